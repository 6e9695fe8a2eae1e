using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Relay.EdgeApi.Tests.Support;

namespace Relay.EdgeApi.Tests.Telemetry;

[Collection(SharedEdge.Name)]
public sealed class EdgeTraceTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_call_is_one_trace_from_the_edge_request_through_the_account_grain_to_the_upstream()
    {
        using var activities = new ActivityLog();
        var (_, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        var callId = response.Headers.GetValues("x-relay-call-id").Single();
        var call = await activities.WaitForAsync(activity => activity.OperationName == "relay.call" && Equals(activity.GetTagItem("relay.call_id"), callId));
        var edgeRequest = await activities.WaitForAsync(activity =>
            activity.TraceId == call.TraceId && activity.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn"
            && Equals(activity.GetTagItem("server.port"), edge.BaseUrl.Port));
        // The settlement is posted after the answer, once the request has ended: its span ends last.
        await activities.WaitForAsync(activity => activity.TraceId == call.TraceId && IsGrainCall(activity, ActivityKind.Client, "SettleAsync"));
        var trace = activities.InTrace(call.TraceId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(edgeRequest.SpanId, call.ParentSpanId);
        // The admission leaves the edge as a grain call under the call's span and arrives at the silo in the same trace.
        var admit = Assert.Single(trace, activity => IsGrainCall(activity, ActivityKind.Client, "AdmitAsync"));
        Assert.Equal(call.SpanId, admit.ParentSpanId);
        var admitted = Assert.Single(trace, activity => IsGrainCall(activity, ActivityKind.Server, "AdmitAsync"));
        Assert.Equal(admit.SpanId, admitted.ParentSpanId);
        // So does the settlement after the answer.
        var settle = Assert.Single(trace, activity => IsGrainCall(activity, ActivityKind.Client, "SettleAsync"));
        Assert.Equal(call.SpanId, settle.ParentSpanId);
        // And the upstream request, from the edge's HttpClient.
        var upstream = Assert.Single(trace, activity => activity.Source.Name == "System.Net.Http" && activity.ParentSpanId == call.SpanId);
        Assert.Equal(ActivityKind.Client, upstream.Kind);
        Assert.Equal(edge.Simulator.BaseUrl.Port, upstream.GetTagItem("server.port"));
    }

    [Fact]
    public async Task The_trace_and_the_clients_baggage_stay_inside_Relay_and_never_reach_the_provider()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent($$"""{"model":"capture-claude","max_tokens":100,"messages":[{"role":"user","content":"{{marker}}"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.Add("baggage", "tenant=someone-else");

        using var response = await edge.Http.SendAsync(request);
        await edge.Settlements.WaitForAsync(accountId, 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(edge.Capture.Requests, captured => Encoding.UTF8.GetString(captured.Body).Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain("traceparent", sent.Headers.Keys);
        Assert.DoesNotContain("tracestate", sent.Headers.Keys);
        Assert.DoesNotContain("baggage", sent.Headers.Keys);
    }

    [Fact]
    public async Task An_edge_with_nowhere_to_send_traces_makes_none_and_one_told_to_makes_them()
    {
        await using var quiet = StoppableEdge.Start(edge.Silo, edge.Simulator.BaseUrl);
        await using var tracing = StoppableEdge.Start(edge.Silo, edge.Simulator.BaseUrl, new Dictionary<string, string?> { ["Relay:Telemetry:Traces"] = "true" });

        Assert.Null(quiet.Services.GetService<TracerProvider>());
        Assert.NotNull(tracing.Services.GetService<TracerProvider>());
    }

    private static bool IsGrainCall(Activity activity, ActivityKind kind, string method) =>
        activity.Source.Name == "Microsoft.Orleans.Application" && activity.Kind == kind
        && activity.DisplayName.EndsWith("/" + method, StringComparison.Ordinal);
}
