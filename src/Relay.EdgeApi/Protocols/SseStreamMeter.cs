using System.Buffers;
using System.Text.Json;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Splits upstream bytes into server-sent events without holding up the bytes themselves: each chunk is written to
/// the client first and then scanned for blank lines (LF, CRLF or CR line ends, in any chunking). Only the one
/// event still open at a chunk's end is copied aside, into a pooled buffer capped at <c>maxEventBytes</c>; an
/// event over the cap is forwarded but not metered. Subclasses see whole events (their <c>event:</c> name and
/// joined <c>data:</c>) and say whether the event reaches the client, which matters only when holding back.
/// </summary>
internal abstract class SseStreamMeter(bool holdEvents, int maxEventBytes) : IStreamMeter
{
    private readonly bool _holdEvents = holdEvents;
    private readonly int _maxEventBytes = maxEventBytes;
    private byte[]? _pending;
    private int _pendingLength;
    // The current event is passed on without being copied: it is over the cap, or its name says it is not metered.
    private bool _eventUnbuffered;
    private int _eventLines;
    private bool _atLineStart = true;

    // The previous chunk ended in '\r': a '\n' first in the next chunk is the rest of that line end.
    private bool _lfMayFollow;

    // ...and that '\r' ended an event: the '\n' goes with that event (forwarded or dropped), not the next one.
    private bool _lfEndsEvent;
    private bool _lastEventDropped;
    private bool _completed;

    public abstract MeteredCall Result { get; }

    /// <summary>True when each event is held until complete, so that <see cref="OnEvent"/> can drop it.</summary>
    protected bool HoldsEvents => _holdEvents;

    /// <summary>Meters one event; returns false to keep it from the client (only honoured when holding back).</summary>
    protected abstract bool OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data);

    /// <summary>
    /// Whether events of this <c>event:</c> name are worth reading. An event whose first line names one that is not
    /// is never copied aside nor parsed, however many chunks it spans. Events without a name are always read.
    /// </summary>
    protected virtual bool IsMetered(ReadOnlySpan<byte> name) => true;

    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The upstream answer was already completed.");
        }

        if (chunk.IsEmpty)
        {
            return;
        }

        if (!_holdEvents)
        {
            output.Write(chunk);
        }

        var position = 0;
        var eventStart = 0;
        if (_lfMayFollow)
        {
            _lfMayFollow = false;
            if (chunk[0] == (byte)'\n')
            {
                position = 1;
                if (_lfEndsEvent)
                {
                    eventStart = 1;
                    if (_holdEvents && !_lastEventDropped)
                    {
                        output.Write("\n"u8);
                    }
                }
            }
        }

        while (position < chunk.Length)
        {
            var found = chunk[position..].IndexOfAny((byte)'\n', (byte)'\r');
            if (found < 0)
            {
                _atLineStart = false;
                break;
            }

            var lineEnd = position + found;
            var lineWasEmpty = found == 0 && _atLineStart;
            var next = lineEnd + 1;
            if (chunk[lineEnd] == (byte)'\r')
            {
                if (next < chunk.Length)
                {
                    if (chunk[next] == (byte)'\n')
                    {
                        next++;
                    }
                }
                else
                {
                    _lfMayFollow = true;
                }
            }

            _atLineStart = true;
            position = next;
            _lfEndsEvent = false;
            if (lineWasEmpty)
            {
                EndEvent(chunk[eventStart..next], output);
                eventStart = next;
                _lfEndsEvent = _lfMayFollow;
                _eventLines = 0;
            }
            else if (_eventLines++ == 0 && _pendingLength == 0 && !_eventUnbuffered)
            {
                // The event's first line is whole in this chunk: if it names an event nobody meters, skip the copy.
                var firstLine = chunk[eventStart..lineEnd];
                // From here on its bytes in this chunk are forwarded (when holding back) as the event ends or the chunk does.
                _eventUnbuffered = firstLine.StartsWith("event:"u8) && !IsMetered(FieldValue(firstLine, 6));
            }
        }

        if (eventStart < chunk.Length)
        {
            Append(chunk[eventStart..], output);
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_eventUnbuffered)
        {
            _eventUnbuffered = false;
        }
        else if (_pendingLength > 0)
        {
            // Upstream ended without the event's blank line: what it said still counts.
            EndEvent([], output);
        }

        Release();
    }

    private void Append(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (_eventUnbuffered)
        {
            if (_holdEvents)
            {
                output.Write(bytes);
            }

            return;
        }

        var needed = _pendingLength + bytes.Length;
        if (needed > _maxEventBytes)
        {
            _eventUnbuffered = true;
            if (_holdEvents)
            {
                output.Write(_pending.AsSpan(0, _pendingLength));
                output.Write(bytes);
            }

            Release();
            return;
        }

        if (_pending is null || _pending.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(_maxEventBytes, 4096)));
            _pending?.AsSpan(0, _pendingLength).CopyTo(larger);
            if (_pending is not null)
            {
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = larger;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength = needed;
    }

    /// <summary>The event ends with <paramref name="tail"/> (its last bytes, in the current chunk).</summary>
    private void EndEvent(ReadOnlySpan<byte> tail, IBufferWriter<byte> output)
    {
        if (_eventUnbuffered)
        {
            if (_holdEvents)
            {
                output.Write(tail);
            }

            _eventUnbuffered = false;
            _lastEventDropped = false;
            return;
        }

        ReadOnlySpan<byte> raw;
        if (_pendingLength == 0)
        {
            // Whole in one chunk it costs no copy, but the cap still applies, so that metering never depends on chunking.
            if (tail.Length > _maxEventBytes)
            {
                if (_holdEvents)
                {
                    output.Write(tail);
                }

                _lastEventDropped = false;
                return;
            }

            raw = tail;
        }
        else
        {
            Append(tail, output);
            if (_eventUnbuffered)
            {
                _eventUnbuffered = false;
                _lastEventDropped = false;
                return;
            }

            raw = _pending.AsSpan(0, _pendingLength);
        }

        var keep = Dispatch(raw);
        if (_holdEvents && keep)
        {
            output.Write(raw);
        }

        _lastEventDropped = !keep;
        Release();
    }

    private bool Dispatch(ReadOnlySpan<byte> raw)
    {
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> firstData = default;
        var dataLines = 0;
        var rest = raw;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOfAny((byte)'\n', (byte)'\r');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];

            // A CRLF leaves an empty line between its two bytes; empty lines inside an event mean nothing.
            if (line.StartsWith("data:"u8))
            {
                if (dataLines++ == 0)
                {
                    firstData = FieldValue(line, 5);
                }
            }
            else if (line.StartsWith("event:"u8))
            {
                name = FieldValue(line, 6);
            }
        }

        if (dataLines == 0)
        {
            return true;
        }

        try
        {
            return dataLines == 1 ? OnEvent(name, firstData) : DispatchJoined(raw, name, dataLines);
        }
        catch (JsonException)
        {
            // Not JSON (a documented fragment, a proxy's banner): forwarded as it is, not metered.
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Several <c>data:</c> lines make one payload joined by '\n' (the SSE rule); rare, so it is copied.</summary>
    private bool DispatchJoined(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> name, int dataLines)
    {
        var joined = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            var rest = raw;
            var seen = 0;
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOfAny((byte)'\n', (byte)'\r');
                var line = end < 0 ? rest : rest[..end];
                rest = end < 0 ? default : rest[(end + 1)..];
                if (line.StartsWith("data:"u8))
                {
                    var value = FieldValue(line, 5);
                    value.CopyTo(joined.AsSpan(length));
                    length += value.Length;
                    if (++seen < dataLines)
                    {
                        joined[length++] = (byte)'\n';
                    }
                }
            }

            return OnEvent(name, joined.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    private static ReadOnlySpan<byte> FieldValue(ReadOnlySpan<byte> line, int prefixLength)
    {
        var value = line[prefixLength..];
        return !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;
    }

    private void Release()
    {
        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }

        _pendingLength = 0;
    }
}
