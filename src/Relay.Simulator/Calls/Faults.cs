namespace Relay.Simulator.Calls;

/// <summary>The faults the simulator can inject, by the name used in <c>x-sim-fault</c> or <c>/_fault/NAME</c>.</summary>
public static class Faults
{
    public const string Status500 = "status-500";
    public const string Status429 = "status-429";
    public const string Status503 = "status-503";
    public const string Status529 = "status-529";
    public const string CutMidStream = "cut-mid-stream";
    public const string Stall = "stall";
    public const string ErrorEvent = "error-event";

    internal static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        Status500, Status429, Status503, Status529, CutMidStream, Stall, ErrorEvent,
    };

    internal static int? StatusOf(string? fault) => fault switch
    {
        Status500 => 500,
        Status429 => 429,
        Status503 => 503,
        Status529 => 529,
        _ => null,
    };
}
