namespace Relay.Simulator.Calls;

/// <summary>
/// Request headers that steer the simulator. Each can also be given as a path prefix
/// <c>/_NAME/VALUE</c>, where NAME is the header name without <c>x-sim-</c>
/// (for example <c>/_fault/status-500/v1/messages</c>); a header wins over a path prefix.
/// </summary>
public static class SimulatorHeaders
{
    public const string Prefix = "x-sim-";
    public const string InputTokens = "x-sim-input-tokens";
    public const string OutputTokens = "x-sim-output-tokens";
    public const string CacheReadTokens = "x-sim-cache-read-tokens";
    public const string CacheWrite5mTokens = "x-sim-cache-write-5m-tokens";
    public const string CacheWrite1hTokens = "x-sim-cache-write-1h-tokens";
    public const string ReasoningTokens = "x-sim-reasoning-tokens";
    public const string FirstByteDelayMs = "x-sim-first-byte-delay-ms";
    public const string EventDelayMs = "x-sim-event-delay-ms";
    public const string Fault = "x-sim-fault";

    /// <summary>How many tool calls the model makes when the request offers tools and does not end with tool results.</summary>
    public const string ToolCalls = "x-sim-tool-calls";

    /// <summary>Response header naming the upstream id the simulator gave the call.</summary>
    public const string CallId = "x-sim-call-id";

    internal static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        InputTokens, OutputTokens, CacheReadTokens, CacheWrite5mTokens, CacheWrite1hTokens, ReasoningTokens,
        FirstByteDelayMs, EventDelayMs, Fault, ToolCalls,
    };
}
