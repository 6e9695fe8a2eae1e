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
    RequestContent Content,
    IReadOnlyList<SimulatedToolCall> ToolCalls,
    TokenCounts BaseTokens,
    Pacing Pacing,
    string? Fault,
    DateTimeOffset CreatedAt)
{
    /// <summary>The tokens as billed: each piece of tool-call arguments is one more output token.</summary>
    public TokenCounts Tokens { get; } = BaseTokens with { ToolArguments = ToolCalls.Sum(call => call.Pieces.Count) };

    /// <summary>Reasoning tokens are shown as thinking ("r1", " r2", ...) when the request asked to see thinking.</summary>
    public IReadOnlyList<string> ThinkingDeltas { get; } =
        Content.ThinkingRequested ? [.. Enumerable.Range(1, BaseTokens.Reasoning).Select(i => i == 1 ? "r1" : $" r{i}")] : [];

    /// <summary>The signature of the shown thinking: Anthropic's clients must send it back with the thinking.</summary>
    public string ThinkingSignature => "sim-signature-" + Id;

    public string StopForTools => ToolCalls.Count > 0 ? "tool_use" : "end_turn";

    /// <summary>The text deltas: "w1", " w2", " w3", ... one per output token.</summary>
    public IReadOnlyList<string> Deltas { get; } =
        [.. Enumerable.Range(1, BaseTokens.Output).Select(i => i == 1 ? "w1" : $" w{i}")];

    public string Text => string.Concat(Deltas);

    public long CreatedUnixSeconds => CreatedAt.ToUnixTimeSeconds();
}

internal sealed record Pacing(TimeSpan FirstByteDelay, TimeSpan EventDelay);

/// <summary>
/// A tool call the simulated model makes: to an offered tool, with arguments built from its schema, streamed in
/// pieces of at most four characters, each one output token.
/// </summary>
internal sealed record SimulatedToolCall(string Id, string Name, string Arguments)
{
    public const int PieceLength = 4;

    public IReadOnlyList<string> Pieces { get; } =
        [.. Enumerable.Range(0, (Arguments.Length + PieceLength - 1) / PieceLength).Select(i => Arguments.Substring(i * PieceLength, Math.Min(PieceLength, Arguments.Length - i * PieceLength)))];
}
