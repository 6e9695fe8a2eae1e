using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

[Collection(SharedEdge.Name)]
public sealed class RawCallTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_streamed_messages_call_is_relayed_and_charged_its_priced_usage()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages?beta=true")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-6","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await edge.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message_stop", body, StringComparison.Ordinal);
        Assert.StartsWith("call_", response.Headers.GetValues("x-relay-call-id").Single(), StringComparison.Ordinal);
        // Available after admission: the credit less this call's reservation (its estimate).
        var available = decimal.Parse(response.Headers.GetValues("x-relay-balance-available").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(available, 4.9m, 4.999999999m);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        // claude-sonnet-4-6 at 90% of list: 1000 x 2.70 + 12 x 13.50 per million = 0.002862 USD.
        Assert.Equal(new TokenUsage(EdgeHarness.InputTokens, EdgeHarness.OutputTokens), settled.Usage.Tokens);
        Assert.False(settled.Usage.Estimated);
        Assert.Equal(Usd.FromDecimal(0.002862m), settled.Usage.Cost);
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(5m) - Usd.FromDecimal(0.002862m), account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
    }

    [Fact]
    public async Task A_chat_stream_that_did_not_ask_for_usage_gets_no_usage_chunk_yet_is_charged()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","stream":true,"messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("prompt_tokens", body, StringComparison.Ordinal);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(new TokenUsage(EdgeHarness.InputTokens, EdgeHarness.OutputTokens), settled.Usage.Tokens);
        Assert.False(settled.Usage.Estimated);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_device_is_the_forwarded_client_address()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await edge.Settlements.WaitForAsync(accountId, 1);
        var device = Assert.Single((await edge.AccountAsync(accountId)).ActiveDevices);
        Assert.Equal("ip:203.0.113.7", device.Device);
    }

    [Fact]
    public async Task The_edge_reports_healthy()
    {
        using var response = await edge.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
