using Relay.Accounts;

namespace Relay.EdgeApi.Translation;

/// <summary>
/// An answer as a sequence of events, whatever protocol it came in: readers of each protocol call these as they
/// parse (a stream event by event, a whole answer at once), writers of each protocol turn them into the client's
/// bytes. A part is opened by its first event and closed by <see cref="EndPart"/> or by the next part.
/// </summary>
internal interface IAnswerEvents
{
    void Start(string id, string model);

    void Text(string delta);

    void Thinking(string delta);

    /// <summary>What the provider needs to accept the thinking back (Anthropic's signature).</summary>
    void ThinkingSignature(string signature);

    void RedactedThinking(string data);

    void ToolCall(string id, string name);

    /// <summary>More of the current tool call's arguments (JSON text, in pieces that need not parse alone).</summary>
    void ToolArguments(string delta);

    void EndPart();

    /// <summary>The provider's usage so far (Anthropic reports it twice); the last one is the answer's.</summary>
    void Usage(TokenUsage usage);

    void Finish(StopReason reason, string? stopSequence);

    /// <summary>The answer is over: after <see cref="Finish"/>, write the protocol's closing events.</summary>
    void End();

    /// <summary>The provider failed in the middle of the answer.</summary>
    void Fail(UpstreamError error);
}

internal enum StopReason
{
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
    Refusal,
}

/// <summary>An error as the provider said it, in no protocol's shape. <see cref="Kind"/> uses Anthropic's error type names.</summary>
internal sealed record UpstreamError(int Status, string Kind, string Message);
