using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers;

/// <summary>How one provider API speaks: its ids, auth, error bodies, answers and streams.</summary>
internal interface IProviderDialect
{
    /// <summary>Whether <c>x-api-key</c> is accepted besides <c>Authorization: Bearer</c>.</summary>
    bool AcceptsXApiKey { get; }

    /// <summary>The request shape this API reads (for tools, tool results, thinking and images).</summary>
    RequestShape Shape { get; }

    string NewId(DateTimeOffset at);

    /// <summary>Sets the provider's own response headers (request ids) and returns the request id.</summary>
    string StampResponse(HttpResponse response);

    Reply Unauthorized(string? presentedKey, string requestId);

    Reply BadRequest(CallRequestProblem problem, string detail, string requestId);

    /// <summary>The error a <c>status-NNN</c> fault answers with.</summary>
    Reply FaultStatus(int status, string requestId);

    /// <summary>What an <c>error-event</c> fault answers on a call that does not stream.</summary>
    Reply OverloadedAnswer(string requestId);

    byte[] Answer(SimulatedCall call);

    IReadOnlyList<SseEvent> Stream(SimulatedCall call);

    /// <summary>The events an <c>error-event</c> fault sends after <paramref name="eventsSent"/> events of the stream.</summary>
    IReadOnlyList<SseEvent> ErrorEvents(SimulatedCall call, int eventsSent);

    /// <summary>The usage the whole answer reports, read back into billing categories.</summary>
    ServedUsage Reported(SimulatedCall call);
}

internal sealed record Reply(int Status, byte[] Body);
