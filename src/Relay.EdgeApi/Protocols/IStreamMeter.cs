using System.Buffers;

namespace Relay.EdgeApi.Protocols;

/// <summary>Forwards an upstream SSE answer to the client and reads usage out of it as it passes.</summary>
public interface IStreamMeter
{
    /// <summary>
    /// Reads a chunk of upstream bytes and writes to <paramref name="output"/> what the client must receive: normally
    /// exactly the same bytes, immediately. Only a meter made with <c>stripUsageOnlyChunk</c> holds each event back
    /// until it is complete, so that it can drop OpenAI's usage-only chunk that Relay asked for and the client did not.
    /// </summary>
    void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output);

    /// <summary>End of upstream: meters an event left without its blank line and flushes anything held back.</summary>
    void Complete(IBufferWriter<byte> output);

    /// <summary>What has been learnt so far; safe to read at any time, including after a cut.</summary>
    MeteredCall Result { get; }
}
