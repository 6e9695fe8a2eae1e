using System.Buffers;

namespace Relay.EdgeApi.Translation;

/// <summary>Receives whole server-sent events.</summary>
internal interface ISseEventSink
{
    /// <param name="name">The <c>event:</c> field, empty when absent.</param>
    /// <param name="data">The <c>data:</c> lines joined by '\n'.</param>
    void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data);
}

/// <summary>
/// Splits upstream bytes into server-sent events in any chunking (LF, CRLF or CR line ends, as the SSE spec allows).
/// Only the event still open at a chunk's end is kept, so an answer is translated event by event as it arrives.
/// </summary>
internal sealed class SseEventSplitter(int maxEventBytes)
{
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private byte[] _name = [];
    private bool _hasData;
    private bool _skipLf;

    public void Feed(ReadOnlySpan<byte> chunk, ISseEventSink sink)
    {
        while (!chunk.IsEmpty)
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }
            var end = chunk.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                Append(_line, chunk);
                return;
            }
            _skipLf = chunk[end] == (byte)'\r';
            if (_line.WrittenCount == 0)
            {
                Line(chunk[..end], sink);
            }
            else
            {
                Append(_line, chunk[..end]);
                Line(_line.WrittenSpan, sink);
                _line.ResetWrittenCount();
            }
            chunk = chunk[(end + 1)..];
        }
    }

    /// <summary>End of upstream: an event left without its blank line still counts.</summary>
    public void Complete(ISseEventSink sink)
    {
        if (_line.WrittenCount > 0)
        {
            Line(_line.WrittenSpan, sink);
            _line.ResetWrittenCount();
        }
        Dispatch(sink);
    }

    private void Line(ReadOnlySpan<byte> line, ISseEventSink sink)
    {
        if (line.IsEmpty)
        {
            Dispatch(sink);
            return;
        }
        if (line.StartsWith("data:"u8))
        {
            if (_hasData)
            {
                Append(_data, "\n"u8);
            }
            Append(_data, Value(line, 5));
            _hasData = true;
        }
        else if (line.StartsWith("event:"u8))
        {
            _name = Value(line, 6).ToArray();
        }
        // Comments (":"), id: and retry: mean nothing to a translation.
    }

    private void Dispatch(ISseEventSink sink)
    {
        if (_hasData)
        {
            sink.OnEvent(_name, _data.WrittenSpan);
        }
        _name = [];
        _hasData = false;
        _data.ResetWrittenCount();
    }

    private void Append(ArrayBufferWriter<byte> to, ReadOnlySpan<byte> bytes)
    {
        if (_line.WrittenCount + _data.WrittenCount + bytes.Length > maxEventBytes)
        {
            throw new InvalidDataException($"An upstream event is larger than {maxEventBytes} bytes.");
        }
        to.Write(bytes);
    }

    private static ReadOnlySpan<byte> Value(ReadOnlySpan<byte> line, int prefix)
    {
        var value = line[prefix..];
        return !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;
    }
}
