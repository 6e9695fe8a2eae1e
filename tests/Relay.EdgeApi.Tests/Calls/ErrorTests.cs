using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;
using Relay.Accounts;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>Every refusal speaks the client's protocol with the documented status, and changes no balance.</summary>
[Collection(SharedEdge.Name)]
public sealed class ErrorTests(EdgeHarness edge)
{
    public enum Dialect
    {
        Anthropic,
        OpenAI,
    }

    public static TheoryData<Dialect> Dialects => new() { Dialect.Anthropic, Dialect.OpenAI };

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task An_unknown_key_is_refused_with_401(Dialect dialect)
    {
        var (accountId, _) = await edge.NewAccountAsync(1m);

        var refusal = await CallAsync(dialect, "sk-relay-not-a-key", Body(dialect, ModelOf(dialect)));

        AssertRefusal(refusal, 401, dialect, anthropicType: "authentication_error", openAIType: "invalid_request_error", openAICode: "invalid_api_key");
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task A_revoked_key_is_refused_with_401(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var revoke = EdgeHarness.Admin(HttpMethod.Delete, "admin/keys/" + Keys.ApiKeys.IdOf(key));
        Assert.Equal(HttpStatusCode.NoContent, (await edge.AdminHttp.SendAsync(revoke)).StatusCode);

        var refusal = await CallAsync(dialect, key, Body(dialect, ModelOf(dialect)));

        AssertRefusal(refusal, 401, dialect, anthropicType: "authentication_error", openAIType: "invalid_request_error", openAICode: "invalid_api_key");
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task An_empty_balance_is_refused_with_402(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(0m);

        var refusal = await CallAsync(dialect, key, Body(dialect, ModelOf(dialect)));

        AssertRefusal(refusal, 402, dialect, anthropicType: "billing_error", openAIType: "insufficient_quota", openAICode: "insufficient_quota");
        Assert.Contains("Top up", refusal.Message, StringComparison.Ordinal);
        await AssertUntouchedAsync(accountId, 0m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task A_third_device_is_refused_with_403_naming_the_active_devices(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        foreach (var device in new[] { "laptop", "phone" })
        {
            using var ok = await SendAsync(dialect, key, Body(dialect, ModelOf(dialect)), device);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        await edge.Settlements.WaitForAsync(accountId, 2);
        var before = (await edge.AccountAsync(accountId)).Balance;

        var refusal = await CallAsync(dialect, key, Body(dialect, ModelOf(dialect)), device: "tablet");

        AssertRefusal(refusal, 403, dialect, anthropicType: "permission_error", openAIType: "permission_error", openAICode: "device_limit");
        Assert.Contains("device:laptop (last active", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("device:phone (last active", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("free a slot", refusal.Message, StringComparison.Ordinal);
        var after = await edge.AccountAsync(accountId);
        Assert.Equal(before, after.Balance);
        Assert.Equal(Usd.Zero, after.Reserved);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task A_disabled_account_is_refused_with_403(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var disable = EdgeHarness.Admin(HttpMethod.Put, $"admin/accounts/{accountId}/disabled", new { disabled = true });
        Assert.Equal(HttpStatusCode.NoContent, (await edge.AdminHttp.SendAsync(disable)).StatusCode);

        var refusal = await CallAsync(dialect, key, Body(dialect, ModelOf(dialect)));

        AssertRefusal(refusal, 403, dialect, anthropicType: "permission_error", openAIType: "permission_error", openAICode: "account_disabled");
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task An_unknown_model_is_refused_with_404_saying_how_to_list_models(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);

        var refusal = await CallAsync(dialect, key, Body(dialect, "gpt-9-imaginary"));

        AssertRefusal(refusal, 404, dialect, anthropicType: "not_found_error", openAIType: "invalid_request_error", openAICode: "model_not_found");
        Assert.Contains("GET /v1/models", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(dialect == Dialect.OpenAI ? "model" : null, refusal.Param);
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task A_malformed_body_is_refused_with_400_naming_the_field(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        var body = dialect == Dialect.Anthropic
            ? """{"model":"claude-sonnet-4-6","max_tokens":10,"messages":"not a list"}"""
            : """{"model":"gpt-5.4","messages":"not a list"}""";

        var refusal = await CallAsync(dialect, key, body);

        AssertRefusal(refusal, 400, dialect, anthropicType: "invalid_request_error", openAIType: "invalid_request_error", openAICode: null);
        Assert.Contains("messages", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(dialect == Dialect.OpenAI ? "messages" : null, refusal.Param);
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task A_body_over_the_limit_is_refused_with_413(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        var padding = new string('x', (int)EdgeHarness.MaxBodyBytes);
        var body = dialect == Dialect.Anthropic
            ? $$"""{"model":"claude-sonnet-4-6","max_tokens":10,"messages":[{"role":"user","content":"{{padding}}"}]}"""
            : $$"""{"model":"gpt-5.4","messages":[{"role":"user","content":"{{padding}}"}]}""";

        var refusal = await CallAsync(dialect, key, body);

        AssertRefusal(refusal, 413, dialect, anthropicType: "request_too_large", openAIType: "invalid_request_error", openAICode: "request_too_large");
        await AssertUntouchedAsync(accountId, 1m);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task An_unreachable_upstream_is_a_502_and_costs_nothing(Dialect dialect)
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);

        var refusal = await CallAsync(dialect, key, Body(dialect, "glm-5"));

        AssertRefusal(refusal, 502, dialect, anthropicType: "api_error", openAIType: "server_error", openAICode: "upstream_error");
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(PostingOutcome.Released, settled.Result!.Outcome);
        await AssertUntouchedAsync(accountId, 1m);
    }

    private sealed record Refused(int Status, JsonObject Body, string Message, string? Param);

    private static string ModelOf(Dialect dialect) => dialect == Dialect.Anthropic ? "claude-sonnet-4-6" : "gpt-5.4";

    private static string Body(Dialect dialect, string model) => dialect == Dialect.Anthropic
        ? $$"""{"model":"{{model}}","max_tokens":10,"messages":[{"role":"user","content":"Hello"}]}"""
        : $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hello"}]}""";

    private async Task<HttpResponseMessage> SendAsync(Dialect dialect, string key, string body, string? device = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, dialect == Dialect.Anthropic ? "v1/messages" : "v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (dialect == Dialect.Anthropic)
        {
            request.Headers.Add("x-api-key", key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        if (device is not null)
        {
            request.Headers.Add("x-relay-device", device);
        }
        return await edge.Http.SendAsync(request);
    }

    private async Task<Refused> CallAsync(Dialect dialect, string key, string body, string? device = null)
    {
        using var response = await SendAsync(dialect, key, body, device);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var error = json["error"]!.AsObject();
        return new Refused((int)response.StatusCode, json, error["message"]!.GetValue<string>(), error["param"]?.GetValue<string>());
    }

    private static void AssertRefusal(Refused refusal, int status, Dialect dialect, string anthropicType, string openAIType, string? openAICode)
    {
        Assert.Equal(status, refusal.Status);
        var error = refusal.Body["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
        if (dialect == Dialect.Anthropic)
        {
            Assert.Equal("error", refusal.Body["type"]!.GetValue<string>());
            Assert.Equal(anthropicType, error["type"]!.GetValue<string>());
        }
        else
        {
            // OpenAI's schema requires all four keys, param and code possibly null.
            Assert.Equal(["message", "type", "param", "code"], error.Select(pair => pair.Key).ToArray());
            Assert.Equal(openAIType, error["type"]!.GetValue<string>());
            Assert.Equal(openAICode, error["code"]?.GetValue<string>());
        }
    }

    private async Task AssertUntouchedAsync(string accountId, decimal balanceUsd)
    {
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(balanceUsd), account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
        Assert.Equal(0, account.OpenReservations);
    }
}
