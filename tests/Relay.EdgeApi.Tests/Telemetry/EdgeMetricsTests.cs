using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Relay.EdgeApi.Tests.Support;

namespace Relay.EdgeApi.Tests.Telemetry;

[Collection(SharedEdge.Name)]
public sealed class EdgeMetricsTests(EdgeHarness edge)
{
    /// <summary>Served by the simulator on its own channel; no other test calls it, so its series move only here.</summary>
    private const string Model = "gpt-5.3-codex";

    private static readonly (string, string)[] s_call =
        [("gen_ai_operation_name", "chat"), ("gen_ai_provider_name", "openai"), ("gen_ai_request_model", Model)];

    [Fact]
    public async Task After_a_relayed_call_Prometheus_scrapes_its_tokens_latency_charge_and_settlement_from_the_edge()
    {
        using var activities = new ActivityLog();
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var before = await ScrapeAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{Model}}","stream":true,"messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await edge.Http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        var callId = response.Headers.GetValues("x-relay-call-id").Single();
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        // The call's span ends after everything it records, token usage included.
        await activities.WaitForAsync(activity => activity.OperationName == "relay.call" && Equals(activity.GetTagItem("relay.call_id"), callId));
        var after = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EdgeHarness.InputTokens, Delta("gen_ai_client_token_usage_sum", [.. s_call, ("gen_ai_token_type", "input")]));
        Assert.Equal(EdgeHarness.OutputTokens, Delta("gen_ai_client_token_usage_sum", [.. s_call, ("gen_ai_token_type", "output")]));
        Assert.Equal(1, Delta("gen_ai_client_token_usage_count", [.. s_call, ("gen_ai_token_type", "output")]));
        Assert.Equal(1, Delta("gen_ai_server_time_to_first_token_seconds_count", s_call));
        Assert.Equal(1, Delta("gen_ai_client_operation_duration_seconds_count", s_call));
        Assert.Equal(settled.Usage.Cost.Nanos, Delta("relay_edge_charged_nUSD_total", ("gen_ai_request_model", Model)));
        Assert.Equal(1, Delta("relay_edge_settlement_lag_seconds_count", ("outcome", "Booked")));

        double Delta(string name, params (string, string)[] labels) =>
            PrometheusText.Sum(after, name, labels) - PrometheusText.Sum(before, name, labels);
    }

    /// <summary>A scrape as Prometheus makes it: no key, no token.</summary>
    private async Task<string> ScrapeAsync()
    {
        using var response = await edge.AdminHttp.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }
}
