using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>Through the edge: unpriced features refused in the client's protocol before anything is sent; web searches charged.</summary>
[Collection(SharedEdge.Name)]
public sealed class BillableFeatureTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_call_with_a_beta_Relay_does_not_price_is_refused_by_name_before_anything_is_sent_or_reserved()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        var marker = Guid.NewGuid().ToString("N");
        using var request = Messages(key, $$"""{"model":"capture-claude","max_tokens":10,"speed":"fast","messages":[{"role":"user","content":"{{marker}}"}]}""");
        request.Headers.Add("anthropic-beta", "claude-code-20250219,fast-mode-2026-02-01");

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Contains("'fast-mode-2026-02-01'", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(edge.Capture.Requests, captured => Encoding.UTF8.GetString(captured.Body).Contains(marker, StringComparison.Ordinal));
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(1m), account.Balance);
        Assert.Equal(0, account.OpenReservations);
    }

    [Fact]
    public async Task A_priority_tier_is_refused_in_OpenAIs_shape_naming_the_field()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","service_tier":"priority","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("service_tier", error["param"]!.GetValue<string>());
        Assert.Contains("'priority'", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Usd.FromDecimal(1m), (await edge.AccountAsync(accountId)).Balance);
    }

    [Fact]
    public async Task Claude_Codes_betas_reach_the_upstream_as_sent()
    {
        var (_, key) = await edge.NewAccountAsync(1m);
        const string betas = "claude-code-20250219,interleaved-thinking-2025-05-14,thinking-token-count-2026-05-13,context-management-2025-06-27,prompt-caching-scope-2026-01-05,mid-conversation-system-2026-04-07,effort-2025-11-24";
        var marker = Guid.NewGuid().ToString("N");
        using var request = Messages(key, $$"""{"model":"capture-claude","max_tokens":10,"messages":[{"role":"user","content":"{{marker}}"}]}""");
        request.Headers.Add("anthropic-beta", betas);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var captured = Assert.Single(edge.Capture.Requests, c => Encoding.UTF8.GetString(c.Body).Contains(marker, StringComparison.Ordinal));
        Assert.Equal(betas, captured.Headers["anthropic-beta"]);
    }

    [Fact]
    public async Task Anthropic_web_searches_are_charged_per_search_beside_the_tokens()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = Messages(key, """{"model":"capture-claude","max_tokens":10,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":8}],"messages":[{"role":"user","content":"Search"}]}""");

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(2, settled.Usage.WebSearchRequests);
        Assert.Equal(Charge(3m, 15m, new TokenUsage(100, 5)) + Usd.FromDecimal(0.02m), settled.Usage.Cost);
        var entry = Assert.Single(await edge.Grains.GetGrain<IAccountGrain>(accountId).GetLedgerAsync(null, 10), e => e.Kind == LedgerEntryKind.UsageCharge);
        Assert.Equal(2, entry.Usage!.WebSearchRequests);
        Assert.Equal(Usd.FromDecimal(1m) - settled.Usage.Cost, (await edge.AccountAsync(accountId)).Balance);
    }

    [Fact]
    public async Task Codexs_web_searches_are_charged_per_search_call()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses")
        {
            Content = new StringContent("""{"model":"capture-codex","input":"Search","tools":[{"type":"function","name":"exec_command","parameters":{}},{"type":"web_search","external_web_access":false}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(2, settled.Usage.WebSearchRequests);
        Assert.Equal(Charge(1.75m, 14m, new TokenUsage(100, 5)) + Usd.FromDecimal(0.02m), settled.Usage.Cost);
    }

    private static Usd Charge(decimal input, decimal output, TokenUsage tokens) =>
        PerMillion(input, output).Charge(tokens);

    private static HttpRequestMessage Messages(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    /// <summary>A price with every cache kind at the input rate and reasoning at the output rate, USD per million tokens.</summary>
    private static ModelPrice PerMillion(decimal input, decimal output) => new(
        Usd.FromDecimal(input), Usd.FromDecimal(output), Usd.FromDecimal(input), Usd.FromDecimal(input), Usd.FromDecimal(input), Usd.FromDecimal(output));
}
