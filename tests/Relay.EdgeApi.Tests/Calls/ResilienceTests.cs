using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;
using Relay.Simulator.Served;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>Failover before the first byte, none after it; client disconnects; streaming without buffering.</summary>
[Collection(SharedEdge.Name)]
public sealed class ResilienceTests(EdgeHarness edge)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_5xx_before_the_first_byte_fails_over_to_the_next_channel_and_charges_once()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        using var response = await edge.Http.SendAsync(Messages(key, "claude-opus-4-6", stream: true));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message_stop", body, StringComparison.Ordinal);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal("spare", settled.Usage.Channel);
        // claude-opus-4-6 at 90% of list: 1000 x 4.50 + 12 x 22.50 per million.
        Assert.Equal(Usd.FromDecimal(0.00477m), settled.Usage.Cost);
        Assert.Equal(Usd.FromDecimal(5m) - Usd.FromDecimal(0.00477m), (await edge.AccountAsync(accountId)).Balance);
    }

    [Fact]
    public async Task A_stream_cut_midway_is_not_retried_and_is_charged_for_what_was_delivered()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses")
        {
            Content = Json("""{"model":"gpt-5-codex","stream":true,"input":"Hello"}"""),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var received = new StringBuilder();
        var cut = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                received.AppendLine(line);
            }
        });
        Assert.True(cut is IOException or HttpRequestException, $"The edge must break the connection of a cut answer, not end it as if whole; the client saw {cut?.GetType().Name ?? "a clean end"}");

        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.True(settled.Usage.Estimated);
        Assert.InRange(settled.Usage.Tokens.OutputTokens, 1, 39);
        Assert.True(settled.Usage.Tokens.InputTokens > 0);
        Assert.Equal(Prices.Of("gpt-5-codex").Charge(settled.Usage.Tokens), settled.Usage.Cost);
        Assert.Equal(Usd.FromDecimal(5m) - settled.Usage.Cost, (await edge.AccountAsync(accountId)).Balance);
        var served = edge.Simulator.Served.Snapshot().Where(call => call.Id == settled.Usage.UpstreamId).ToList();
        Assert.False(Assert.Single(served).Completed);
        Assert.DoesNotContain("response.completed", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_cut_after_the_final_usage_is_charged_the_reported_usage_not_an_estimate()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = Json("""{"model":"capture-codex","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"""),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // The edge aborts the connection as the upstream did; the reset can reach the client before or after
        // the headers, so only "it did not end cleanly" is asserted here. The charge is the point.
        var cut = await Record.ExceptionAsync(async () =>
        {
            using var response = await edge.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync() is not null)
            {
            }
        });
        Assert.True(cut is IOException or HttpRequestException, $"The edge must break the connection of a cut answer, not end it as if whole; the client saw {cut?.GetType().Name ?? "a clean end"}");

        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.False(settled.Usage.Estimated);
        Assert.Equal(new TokenUsage(InputTokens: 80, OutputTokens: 5, CacheReadTokens: 20, ReasoningTokens: 2), settled.Usage.Tokens);
        // capture-codex: input 1.75 (cache reads at the input price), output 14 (reasoning at the output price).
        Assert.Equal(Usd.FromDecimal((100 * 1.75m + 7 * 14m) / 1_000_000m), settled.Usage.Cost);
        Assert.Equal(Usd.FromDecimal(5m) - settled.Usage.Cost, (await edge.AccountAsync(accountId)).Balance);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_cancels_the_upstream_and_is_settled_once()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        string upstreamId;
        using (var response = await edge.Http.SendAsync(Messages(key, "claude-sonnet-4-5", stream: true), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync();
            var reader = new StreamReader(stream);
            upstreamId = await AnthropicSse.ReadUntilFirstTextAsync(reader);
        }

        var servedCall = await edge.Simulator.Served.WaitForAsync(call => call.Id == upstreamId).WaitAsync(s_wait);
        Assert.False(servedCall.Completed);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.True(settled.Usage.Estimated);
        Assert.InRange(settled.Usage.Tokens.OutputTokens, 1, 299);
        var ledger = await edge.Grains.GetGrain<IAccountGrain>(accountId).GetLedgerAsync(null, 50);
        var charge = Assert.Single(ledger, entry => entry.Kind == LedgerEntryKind.UsageCharge);
        Assert.Equal(-settled.Usage.Cost, charge.Delta);
        Assert.Equal(Usd.Zero, (await edge.AccountAsync(accountId)).Reserved);
    }

    [Fact]
    public async Task The_first_event_reaches_the_client_before_the_upstream_has_finished()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        using var response = await edge.Http.SendAsync(Messages(key, "claude-opus-4-5", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var upstreamId = await AnthropicSse.ReadUntilFirstTextAsync(reader);

        // The simulator records a call when it has sent all of it: not yet.
        Assert.DoesNotContain(edge.Simulator.Served.Snapshot(), call => call.Id == upstreamId);
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("event: message_stop", rest, StringComparison.Ordinal);
        var served = await edge.Simulator.Served.WaitForAsync(call => call.Id == upstreamId).WaitAsync(s_wait);
        Assert.True(served.Completed);
        Assert.False(Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1)).Usage.Estimated);
    }

    [Fact]
    public async Task An_upstream_still_failing_after_every_attempt_is_answered_as_the_upstream_answered_and_costs_nothing()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);

        using var response = await edge.Http.SendAsync(Messages(key, "overloaded-claude", stream: true));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("overloaded_error", body["error"]!["type"]!.GetValue<string>());
        // Relay's words, and the provider's request id to quote to its support.
        Assert.StartsWith("The upstream provider is overloaded", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
        Assert.Equal(response.Headers.GetValues("request-id").Single(), body["request_id"]!.GetValue<string>());
        Assert.Equal(3, edge.Simulator.Served.Snapshot().Count(call => call.Model == "overloaded-claude" && call.Fault == "status-529"));
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(Usd.Zero, settled.Usage.Cost);
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(1m), account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
    }

    [Fact]
    public async Task An_upstream_that_goes_silent_mid_stream_is_ended_at_the_idle_timeout_and_charged_for_what_was_delivered()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = Json("""{"model":"stalling-gpt","stream":true,"messages":[{"role":"user","content":"Hello"}]}"""),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var cut = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        });
        Assert.True(cut is IOException or HttpRequestException, $"The edge must break the connection of a stalled answer, not end it as if whole; the client saw {cut?.GetType().Name ?? "a clean end"}");

        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.True(settled.Usage.Estimated);
        Assert.InRange(settled.Usage.Tokens.OutputTokens, 1, 39);
        var served = await edge.Simulator.Served.WaitForAsync(call => call.Model == "stalling-gpt").WaitAsync(s_wait);
        Assert.False(served.Completed);
    }

    private static HttpRequestMessage Messages(string key, string model, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = Json($$"""{"model":"{{model}}","max_tokens":1024,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hello"}]}"""),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
