namespace Relay.Simulator.Calls;

/// <summary>
/// The tokens of one simulated answer in billing categories, before any provider's convention is applied:
/// <see cref="Input"/> is fresh (uncached) input, <see cref="Output"/> is the visible text (one token per word),
/// <see cref="Reasoning"/> is hidden output on top of it.
/// </summary>
internal sealed record TokenCounts(
    int Input,
    int Output,
    int CacheRead,
    int CacheWrite5m,
    int CacheWrite1h,
    int Reasoning,
    int ToolArguments = 0)
{
    public int CacheWrite => CacheWrite5m + CacheWrite1h;

    /// <summary>Output as billed: visible text, reasoning and tool-call arguments.</summary>
    public int BilledOutput => Output + Reasoning + ToolArguments;
}
