using System.Net;
using System.Text;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

[Collection(SharedEdge.Name)]
public sealed class ConcurrencyTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_hundred_concurrent_streams_cannot_overdraw_beyond_one_reservation()
    {
        const string body = """{"model":"claude-haiku-4-5","max_tokens":12,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""";
        var price = Prices.Of("claude-haiku-4-5");
        // What the edge reserves per call (bytes / 4 input, max_tokens output) and what each call really costs
        // (the channel reports 1 input and 12 output tokens): a reservation covers its call.
        var estimate = price.Charge(new TokenUsage((Encoding.UTF8.GetByteCount(body) + 3) / 4, 12));
        var actual = price.Charge(new TokenUsage(1, EdgeHarness.OutputTokens));
        Assert.True(actual <= estimate);
        var credit = new Usd(estimate.Nanos * 10 - 1);
        var (accountId, key) = await edge.NewAccountAsync(credit.ToDecimal());

        var calls = Enumerable.Range(0, 100).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("x-api-key", key);
            using var response = await edge.Http.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(calls);

        var served = statuses.Count(status => status == HttpStatusCode.OK);
        Assert.All(statuses, status => Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.PaymentRequired }));
        Assert.InRange(served, 10, 99);
        var settled = await edge.Settlements.WaitForAsync(accountId, served);
        Assert.Equal(served, settled.Count);
        Assert.All(settled, call => Assert.Equal(actual, call.Usage.Cost));
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.Zero, account.Reserved);
        Assert.Equal(credit - new Usd(actual.Nanos * served), account.Balance);
        // The documented bound: the last call admitted may take the available balance below zero by at most its reservation.
        Assert.True(account.Balance >= -estimate, $"Balance {account.Balance} is below minus one reservation ({estimate}).");
    }
}
