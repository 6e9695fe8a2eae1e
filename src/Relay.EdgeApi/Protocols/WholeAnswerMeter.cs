using System.Buffers;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Meters a non-streamed (JSON) answer: its bytes go to the client as they come, and a copy of at most
/// <c>maxBytes</c> is kept to be read whole by <see cref="ResponseMeters.Read"/> when asked for the result. Of a
/// larger answer only the prefix that fits is kept: it reads as unfinished, and its text counts for the estimate.
/// </summary>
public sealed class WholeAnswerMeter(WireProtocol protocol, int maxBytes = WholeAnswerMeter.DefaultMaxBytes) : IStreamMeter
{
    /// <summary>Upper bound of a non-streamed answer kept for metering; the answer itself is relayed whatever its size.</summary>
    public const int DefaultMaxBytes = 16 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _whole = new();
    private bool _overCap;

    /// <summary>Read from the bytes kept so far.</summary>
    public MeteredCall Result => ResponseMeters.Read(protocol, _whole.WrittenSpan);

    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        output.Write(chunk);
        if (_overCap)
        {
            return;
        }
        if (_whole.WrittenCount + chunk.Length > maxBytes)
        {
            // Nothing after a gap: what is kept stays one prefix of the answer.
            _overCap = true;
            return;
        }
        _whole.Write(chunk);
    }

    public void Complete(IBufferWriter<byte> output)
    {
    }
}
