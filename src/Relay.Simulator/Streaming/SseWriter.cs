using System.Buffers;
using System.IO.Pipelines;

namespace Relay.Simulator.Streaming;

/// <summary>Frames events as <c>event: NAME\ndata: DATA\n\n</c> (or <c>data: DATA\n\n</c> without a name).</summary>
internal static class SseWriter
{
    public static void Write(PipeWriter writer, SseEvent sse)
    {
        if (sse.Name is not null)
        {
            writer.Write("event: "u8);
            writer.Write(System.Text.Encoding.UTF8.GetBytes(sse.Name));
            writer.Write("\n"u8);
        }

        writer.Write("data: "u8);
        writer.Write(sse.Data);
        writer.Write("\n\n"u8);
    }
}
