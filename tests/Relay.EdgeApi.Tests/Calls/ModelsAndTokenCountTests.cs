using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

[Collection(SharedEdge.Name)]
public sealed class ModelsAndTokenCountTests(EdgeHarness edge)
{
    [Fact]
    public async Task Anthropic_clients_get_the_model_list_in_Anthropic_shape()
    {
        var (_, key) = await edge.NewAccountAsync(0m);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");

        var list = await ReadAsync(request);

        Assert.False(list["has_more"]!.GetValue<bool>());
        var opus = Assert.Single(list["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "claude-opus-4-6")!;
        Assert.Equal("model", opus["type"]!.GetValue<string>());
        Assert.Equal("Claude Opus 4.6", opus["display_name"]!.GetValue<string>());
        Assert.Equal("2026-02-05T00:00:00Z", opus["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAI_clients_get_the_model_list_in_OpenAI_shape()
    {
        var (_, key) = await edge.NewAccountAsync(0m);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var list = await ReadAsync(request);

        Assert.Equal("list", list["object"]!.GetValue<string>());
        var gpt = Assert.Single(list["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "gpt-5.4")!;
        Assert.Equal("model", gpt["object"]!.GetValue<string>());
        Assert.Equal("openai", gpt["owned_by"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_model_list_needs_a_key()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        using var response = await edge.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Counting_tokens_is_answered_by_relay_and_costs_nothing()
    {
        var (accountId, key) = await edge.NewAccountAsync(1m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages/count_tokens")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-6","system":"You are terse.","messages":[{"role":"user","content":"How many tokens is this sentence?"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);

        var count = await ReadAsync(request);

        Assert.InRange(count["input_tokens"]!.GetValue<long>(), 8, 40);
        Assert.Single(count);
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(1m), account.Balance);
        Assert.Empty(edge.Settlements.For(accountId));
    }

    private async Task<JsonObject> ReadAsync(HttpRequestMessage request)
    {
        using var response = await edge.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
