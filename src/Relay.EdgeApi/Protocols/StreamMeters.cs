namespace Relay.EdgeApi.Protocols;

/// <summary>Makes the meter for one streamed answer.</summary>
public static class StreamMeters
{
    /// <summary>The largest event held to be metered, for Anthropic and chat streams.</summary>
    public const int DefaultMaxEventBytes = 1 << 20;

    /// <summary>
    /// Responses' terminal event repeats the whole answer before its usage, so a long answer needs room; the buffer
    /// is rented only while an event spans chunks and returned as soon as it ends.
    /// </summary>
    public const int DefaultMaxResponsesEventBytes = 8 << 20;

    /// <param name="stripUsageOnlyChunk">Chat only: Relay added <c>include_usage</c> that the client did not ask for,
    /// so the usage-only chunk is metered and then kept from the client.</param>
    public static IStreamMeter Create(WireProtocol protocol, bool stripUsageOnlyChunk) =>
        Create(protocol, stripUsageOnlyChunk, protocol == WireProtocol.OpenAIResponses ? DefaultMaxResponsesEventBytes : DefaultMaxEventBytes);

    /// <param name="maxEventBytes">Events larger than this are forwarded but not metered.</param>
    public static IStreamMeter Create(WireProtocol protocol, bool stripUsageOnlyChunk, int maxEventBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEventBytes);
        return protocol switch
        {
            WireProtocol.AnthropicMessages => new AnthropicStreamMeter(maxEventBytes),
            WireProtocol.OpenAIChat => new OpenAIChatStreamMeter(stripUsageOnlyChunk, maxEventBytes),
            WireProtocol.OpenAIResponses => new OpenAIResponsesStreamMeter(maxEventBytes),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown wire protocol."),
        };
    }
}
