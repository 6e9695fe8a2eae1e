namespace Relay.Simulator.Calls;

/// <summary>Everything the simulator decided about one call before answering it.</summary>
internal sealed record SimulatedCall(
    string Id,
    string Path,
    string Model,
    bool Stream,
    bool IncludeUsage,
    bool IncludeObfuscation,
    int? MaxOutputTokens,
    TokenCounts Tokens,
    Pacing Pacing,
    string? Fault,
    DateTimeOffset CreatedAt)
{
    /// <summary>The text deltas: "w1", " w2", " w3", ... one per output token.</summary>
    public IReadOnlyList<string> Deltas { get; } =
        [.. Enumerable.Range(1, Tokens.Output).Select(i => i == 1 ? "w1" : $" w{i}")];

    public string Text => string.Concat(Deltas);

    public long CreatedUnixSeconds => CreatedAt.ToUnixTimeSeconds();
}

internal sealed record Pacing(TimeSpan FirstByteDelay, TimeSpan EventDelay);
