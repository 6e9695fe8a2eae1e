using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>An edge told to stop drains its open calls and settles every one of them before it exits.</summary>
[Collection(SharedEdge.Name)]
public sealed class ShutdownTests(EdgeHarness harness)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_edge_told_to_stop_lets_an_open_stream_finish_and_charges_it_once_at_its_usage()
    {
        var (accountId, key) = await harness.NewAccountAsync(5m);
        await using var edge = StoppableEdge.Start(harness.Silo, harness.Simulator.BaseUrl);
        using var response = await edge.Http.SendAsync(Messages(key, "claude-opus-4-5"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var callId = Assert.Single(response.Headers.GetValues("x-relay-call-id"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var upstreamId = await AnthropicSse.ReadUntilFirstTextAsync(reader);

        var stopping = edge.StoppingAsync();
        var stopped = edge.StopAsync();
        await stopping.WaitAsync(s_wait);
        // The simulator records a call once it has sent all of it: the stream is still open as the edge stops.
        Assert.DoesNotContain(harness.Simulator.Served.Snapshot(), call => call.Id == upstreamId);
        await AssertNotTakenAsync(edge, key);

        var rest = await reader.ReadToEndAsync();
        Assert.Contains("event: message_stop", rest, StringComparison.Ordinal);
        await stopped.WaitAsync(s_wait);

        var tokens = new TokenUsage(StoppableEdge.PacedInputTokens, StoppableEdge.PacedOutputTokens);
        var charge = Assert.Single(await CallEntriesAsync(accountId));
        Assert.Equal("call:" + callId, charge.EntryId);
        Assert.Equal(LedgerEntryKind.UsageCharge, charge.Kind);
        Assert.False(charge.Usage!.Estimated);
        Assert.Equal(tokens, charge.Usage.Tokens);
        Assert.Equal(-Prices.Of("claude-opus-4-5").Charge(tokens), charge.Delta);
        var account = await harness.AccountAsync(accountId);
        Assert.Equal(Usd.Zero, account.Reserved);
        Assert.Equal(0, account.OpenReservations);
        Assert.Equal(Usd.FromDecimal(5m) + charge.Delta, account.Balance);
    }

    [Fact]
    public async Task A_stream_still_open_when_the_drain_time_is_over_is_cut_and_charged_once_for_what_was_metered()
    {
        var (accountId, key) = await harness.NewAccountAsync(5m);
        await using var edge = StoppableEdge.Start(
            harness.Silo, harness.Simulator.BaseUrl, new Dictionary<string, string?> { ["Relay:Shutdown:DrainTimeout"] = "00:00:00.200" });
        // 300 tokens 100 ms apart: half a minute of stream, far beyond the drain time.
        using var response = await edge.Http.SendAsync(Messages(key, "claude-sonnet-4-5"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var callId = Assert.Single(response.Headers.GetValues("x-relay-call-id"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await AnthropicSse.ReadUntilFirstTextAsync(reader);

        var stopped = edge.StopAsync();
        var received = new StringBuilder();
        var ended = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                received.AppendLine(line);
            }
        });
        await stopped.WaitAsync(s_wait);

        // Cut, not ended as if whole.
        Assert.IsAssignableFrom<IOException>(ended);
        Assert.DoesNotContain("message_stop", received.ToString(), StringComparison.Ordinal);
        var charge = Assert.Single(await CallEntriesAsync(accountId));
        Assert.Equal("call:" + callId, charge.EntryId);
        Assert.Equal(LedgerEntryKind.UsageCharge, charge.Kind);
        Assert.True(charge.Usage!.Estimated);
        Assert.InRange(charge.Usage.Tokens.OutputTokens, 1, 299);
        Assert.Equal(-Prices.Of("claude-sonnet-4-5").Charge(charge.Usage.Tokens), charge.Delta);
        var account = await harness.AccountAsync(accountId);
        Assert.Equal(Usd.Zero, account.Reserved);
        Assert.Equal(0, account.OpenReservations);
        Assert.Equal(Usd.FromDecimal(5m) + charge.Delta, account.Balance);
    }

    [Fact]
    public async Task While_no_silo_answers_a_call_is_refused_with_503_and_retry_after_in_the_clients_protocol_and_changes_no_balance()
    {
        var silo = await TestSilo.StartAsync();
        await using var edge = StoppableEdge.Start(silo, harness.Simulator.BaseUrl, new Dictionary<string, string?>
        {
            // A key once resolved stays known, so the OpenAI call below fails at its admission, the Anthropic one
            // (whose key was never used) at the key lookup.
            ["Relay:Keys:CacheFor"] = "01:00:00",
            ["Relay:Settlement:GiveUpAfter"] = "00:00:02",
        });
        var (anthropicAccount, anthropicKey) = await NewAccountAsync(edge.AdminHttp, 1m);
        var (openAIAccount, openAIKey) = await NewAccountAsync(edge.AdminHttp, 1m);
        using (var warm = await edge.Http.SendAsync(Chat(openAIKey)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }
        var warmCharge = Assert.Single(await edge.Settlements.WaitForAsync(openAIAccount, 1)).Usage.Cost;
        await silo.DisposeAsync();

        using var anthropic = await edge.Http.SendAsync(Messages(anthropicKey, "claude-sonnet-4-6"));
        using var openAI = await edge.Http.SendAsync(Chat(openAIKey));
        using var modelsRequest = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        modelsRequest.Headers.Add("x-api-key", anthropicKey);
        using var models = await edge.Http.SendAsync(modelsRequest);
        using var adminRequest = EdgeHarness.Admin(HttpMethod.Get, $"admin/accounts/{anthropicAccount}");
        using var admin = await edge.AdminHttp.SendAsync(adminRequest);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, anthropic.StatusCode);
        Assert.NotNull(anthropic.Headers.RetryAfter?.Delta);
        var anthropicBody = JsonNode.Parse(await anthropic.Content.ReadAsStringAsync())!;
        Assert.Equal("error", anthropicBody["type"]!.GetValue<string>());
        Assert.Equal("overloaded_error", anthropicBody["error"]!["type"]!.GetValue<string>());
        Assert.Contains("not charged", anthropicBody["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, openAI.StatusCode);
        Assert.NotNull(openAI.Headers.RetryAfter?.Delta);
        var openAIError = JsonNode.Parse(await openAI.Content.ReadAsStringAsync())!["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], openAIError.Select(pair => pair.Key));
        Assert.Equal("server_error", openAIError["type"]!.GetValue<string>());
        Assert.Equal("service_unavailable", openAIError["code"]!.GetValue<string>());
        Assert.Null(openAIError["param"]);

        // The model list looks the key up too.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, models.StatusCode);
        Assert.NotNull(models.Headers.RetryAfter?.Delta);
        Assert.Equal("overloaded_error", JsonNode.Parse(await models.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());

        // So do the admin and user APIs, in their own (OpenAI's) error shape.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, admin.StatusCode);
        Assert.NotNull(admin.Headers.RetryAfter?.Delta);
        Assert.Equal("service_unavailable", JsonNode.Parse(await admin.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());

        // The accounts as the next silo finds them in storage: only the credits and the call made before.
        await using var next = await TestSilo.StartAsync(silo.ServiceId);
        var anthropicView = await next.Grains.GetGrain<IAccountGrain>(anthropicAccount).GetAsync();
        Assert.Equal(Usd.FromDecimal(1m), anthropicView.Balance);
        Assert.Equal(Usd.Zero, anthropicView.Reserved);
        var openAIView = await next.Grains.GetGrain<IAccountGrain>(openAIAccount).GetAsync();
        Assert.Equal(Usd.FromDecimal(1m) - warmCharge, openAIView.Balance);
        Assert.Equal(Usd.Zero, openAIView.Reserved);
        Assert.Equal(2, (await next.Grains.GetGrain<IAccountGrain>(openAIAccount).GetLedgerAsync(null, 50)).Count);
    }

    /// <summary>A call sent once the edge has begun to stop is not taken: its connection is refused, or it is answered 503.</summary>
    private static async Task AssertNotTakenAsync(StoppableEdge edge, string key)
    {
        using var late = edge.NewClient();
        HttpResponseMessage refused;
        try
        {
            refused = await late.SendAsync(Messages(key, "claude-sonnet-4-6"));
        }
        catch (HttpRequestException)
        {
            return;
        }
        using (refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        }
    }

    /// <summary>The account's ledger entries booked for calls (charges and expiries).</summary>
    private async Task<List<LedgerEntry>> CallEntriesAsync(string accountId) =>
        [.. (await harness.Grains.GetGrain<IAccountGrain>(accountId).GetLedgerAsync(null, 50))
            .Where(entry => entry.Kind is LedgerEntryKind.UsageCharge or LedgerEntryKind.ReservationExpiry)];

    private static async Task<(string AccountId, string Key)> NewAccountAsync(HttpClient http, decimal creditUsd)
    {
        using var open = EdgeHarness.Admin(HttpMethod.Post, "admin/accounts", new { email = $"{Guid.NewGuid():N}@example.com" });
        using var opened = await http.SendAsync(open);
        opened.EnsureSuccessStatusCode();
        var accountId = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>();
        using var credit = EdgeHarness.Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits", new { amountUsd = creditUsd, reason = "test", id = Guid.NewGuid().ToString("N") });
        using var credited = await http.SendAsync(credit);
        credited.EnsureSuccessStatusCode();
        using var key = EdgeHarness.Admin(HttpMethod.Post, $"admin/accounts/{accountId}/keys", new { name = "test" });
        using var made = await http.SendAsync(key);
        made.EnsureSuccessStatusCode();
        return (accountId, (await made.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>());
    }

    private static HttpRequestMessage Messages(string key, string model)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent($$"""{"model":"{{model}}","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static HttpRequestMessage Chat(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
