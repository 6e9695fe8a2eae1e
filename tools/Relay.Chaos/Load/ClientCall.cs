namespace Relay.Chaos.Load;

/// <summary>How a call ended as its client saw it.</summary>
internal enum ClientOutcome
{
    /// <summary>The stream's terminal event arrived (Anthropic message_stop, chat [DONE], response.completed).</summary>
    Complete,

    /// <summary>An error status before any answer (402, 5xx, ...): the client got no answer.</summary>
    Refused,

    /// <summary>The answer began but ended without its terminal event (the edge died, the connection broke).</summary>
    Cut,

    /// <summary>The connection failed before any status: no call id, no answer.</summary>
    NoAnswer,
}

/// <summary>What one client saw of one call: enough to hold the ledger to it afterwards.</summary>
internal sealed record ClientCall(
    int Number,
    int Account,
    int Edge,
    CallPlan Plan,
    ClientOutcome Outcome,
    int? Status,
    string? CallId,
    string? UpstreamId,
    int RefusedConnections,
    string Detail)
{
    /// <summary>When the client had seen all it would see of the call (run clock).</summary>
    public TimeSpan FinishedAt { get; init; }
}
