using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Admin;

[Collection(SharedEdge.Name)]
public sealed class AdminApiTests(EdgeHarness edge)
{
    [Fact]
    public async Task The_admin_api_refuses_a_missing_or_wrong_token()
    {
        using var none = new HttpRequestMessage(HttpMethod.Post, "admin/accounts") { Content = JsonContent.Create(new { email = "a@example.com" }) };
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "admin/accounts") { Content = JsonContent.Create(new { email = "a@example.com" }) };
        wrong.Headers.Authorization = new("Bearer", "not-the-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await edge.AdminHttp.SendAsync(none)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await edge.AdminHttp.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task An_operator_finds_a_signed_up_account_by_email_in_any_case()
    {
        var email = $"Find-{Guid.NewGuid():N}@Example.com";
        using var signUp = new HttpRequestMessage(HttpMethod.Post, "api/signup")
        {
            Content = JsonContent.Create(new { email, password = "correct horse battery" }),
        };
        using var signedUp = await edge.Http.SendAsync(signUp);
        Assert.Equal(HttpStatusCode.Created, signedUp.StatusCode);
        var accountId = (await signedUp.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>();

        using var find = EdgeHarness.Admin(HttpMethod.Get, $"admin/accounts?email={Uri.EscapeDataString(email.ToUpperInvariant())}");
        using var found = await edge.AdminHttp.SendAsync(find);
        using var missing = await edge.AdminHttp.SendAsync(EdgeHarness.Admin(HttpMethod.Get, "admin/accounts?email=nobody-here@example.com"));

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(accountId, (await found.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Posting_the_same_credit_id_twice_credits_once()
    {
        var (accountId, _) = await edge.NewAccountAsync(0m);
        var credit = new { amountUsd = 5.00m, reason = "promo", id = "promo-" + Guid.NewGuid().ToString("N") };

        using var first = EdgeHarness.Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits", credit);
        using var second = EdgeHarness.Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits", credit);
        using var firstAnswer = await edge.AdminHttp.SendAsync(first);
        using var secondAnswer = await edge.AdminHttp.SendAsync(second);

        Assert.Equal(HttpStatusCode.Created, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondAnswer.StatusCode);
        Assert.Equal(Usd.FromDecimal(5m), (await edge.AccountAsync(accountId)).Balance);
    }

    [Theory]
    [InlineData("""{"amountUsd":0,"id":"x"}""")]
    [InlineData("""{"amountUsd":0.0000000001,"id":"x"}""")]
    [InlineData("""{"amountUsd":1.5}""")]
    [InlineData("""{"id":"x"}""")]
    public async Task An_invalid_credit_is_refused_with_400_and_books_nothing(string body)
    {
        var (accountId, _) = await edge.NewAccountAsync(1m);
        using var request = EdgeHarness.Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits");
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await edge.AdminHttp.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Usd.FromDecimal(1m), (await edge.AccountAsync(accountId)).Balance);
    }

    [Fact]
    public async Task Usage_lists_each_call_with_its_tokens_and_cost()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using (var call = new HttpRequestMessage(HttpMethod.Post, "v1/messages"))
        {
            call.Content = new StringContent("""{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");
            call.Headers.Add("x-api-key", key);
            using var answered = await edge.Http.SendAsync(call);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        await edge.Settlements.WaitForAsync(accountId, 1);

        using var usageRequest = EdgeHarness.Admin(HttpMethod.Get, $"admin/accounts/{accountId}/usage");
        using var usageResponse = await edge.AdminHttp.SendAsync(usageRequest);
        var usage = (await usageResponse.Content.ReadFromJsonAsync<JsonObject>())!;
        using var accountRequest = EdgeHarness.Admin(HttpMethod.Get, $"admin/accounts/{accountId}");
        using var accountResponse = await edge.AdminHttp.SendAsync(accountRequest);
        var account = (await accountResponse.Content.ReadFromJsonAsync<JsonObject>())!;

        var line = Assert.Single(usage["calls"]!.AsArray())!;
        Assert.Equal("claude-sonnet-4-6", line["model"]!.GetValue<string>());
        Assert.Equal("anthropic-sim", line["channel"]!.GetValue<string>());
        Assert.Equal(EdgeHarness.InputTokens, line["inputTokens"]!.GetValue<long>());
        Assert.Equal(EdgeHarness.OutputTokens, line["outputTokens"]!.GetValue<long>());
        Assert.Equal(0.002862m, line["costUsd"]!.GetValue<decimal>());
        Assert.False(line["estimated"]!.GetValue<bool>());
        Assert.Equal(1m - 0.002862m, account["balanceUsd"]!.GetValue<decimal>());
        Assert.Equal(0m, account["reservedUsd"]!.GetValue<decimal>());
        Assert.Single(account["devices"]!.AsArray());
        Assert.Equal(2, account["recentLedger"]!.AsArray().Count);
    }

    [Fact]
    public async Task Opening_an_account_for_an_email_that_signed_up_answers_409_with_its_account()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        await edge.Grains.GetGrain<Identity.IEmailGrain>(email).RegisterAsync("acct_signed_up", "hash");

        using var request = EdgeHarness.Admin(HttpMethod.Post, "admin/accounts", new { email = "  " + email.ToUpperInvariant() });
        using var response = await edge.AdminHttp.SendAsync(request);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("acct_signed_up", (await response.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_account_is_404()
    {
        using var request = EdgeHarness.Admin(HttpMethod.Get, "admin/accounts/acct_nobody");
        Assert.Equal(HttpStatusCode.NotFound, (await edge.AdminHttp.SendAsync(request)).StatusCode);
    }
}
