using System.Buffers;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>Feeds bytes through a meter the way the relay does, in chunks of a given size (0: one chunk).</summary>
internal static class StreamFeeding
{
    public static (byte[] Output, MeteredCall Result) Feed(IStreamMeter meter, ReadOnlySpan<byte> input, int chunkSize)
    {
        var output = new ArrayBufferWriter<byte>();
        var size = chunkSize <= 0 ? Math.Max(1, input.Length) : chunkSize;
        for (var offset = 0; offset < input.Length; offset += size)
        {
            meter.Process(input.Slice(offset, Math.Min(size, input.Length - offset)), output);
        }

        meter.Complete(output);
        return (output.WrittenSpan.ToArray(), meter.Result);
    }

    public static (byte[] Output, MeteredCall Result) Feed(WireProtocol protocol, ReadOnlySpan<byte> input, int chunkSize, bool strip = false) =>
        Feed(StreamMeters.Create(protocol, strip), input, chunkSize);

    public static byte[] WithLineEnds(byte[] lfText, string lineEnd) =>
        System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(lfText).Replace("\n", lineEnd, StringComparison.Ordinal));
}
