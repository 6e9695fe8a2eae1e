namespace Relay.Simulator.Streaming;

/// <summary>One server-sent event: an optional <c>event:</c> name and the <c>data:</c> payload.</summary>
internal sealed record SseEvent(string? Name, byte[] Data)
{
    public static SseEvent Done { get; } = new(null, "[DONE]"u8.ToArray());
}
