using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>
/// An upstream body played from a script: what has been pushed is ready at once (a read completes without
/// waiting), and with nothing pushed a read waits, as a socket does, until the test pushes more or the reader
/// gives up (its cancellation token).
/// </summary>
internal sealed class ScriptedUpstream : Stream
{
    private readonly Queue<Step> _steps = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource? _more;

    public void Push(string text) => Push(Encoding.UTF8.GetBytes(text));

    /// <summary>Bytes ready to be read: a large push takes as many reads as the reader's buffer needs, none waiting.</summary>
    public void Push(byte[] bytes) => Enqueue(new Step { Bytes = bytes });

    /// <summary>The upstream ends its answer: this and every later read return 0.</summary>
    public void End() => Enqueue(new Step());

    /// <summary>The upstream breaks: the next read throws.</summary>
    public void Break(Exception error) => Enqueue(new Step { Error = error });

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task more;
            lock (_gate)
            {
                if (_steps.TryPeek(out var step))
                {
                    if (step.Error is { } error)
                    {
                        _steps.Dequeue();
                        throw error;
                    }
                    if (step.Bytes is not { } bytes)
                    {
                        return 0;
                    }
                    var count = Math.Min(buffer.Length, bytes.Length - step.Offset);
                    bytes.AsSpan(step.Offset, count).CopyTo(buffer.Span);
                    step.Offset += count;
                    if (step.Offset == bytes.Length)
                    {
                        _steps.Dequeue();
                    }
                    return count;
                }
                _more ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                more = _more.Task;
            }
            await more.WaitAsync(cancellationToken);
        }
    }

    private void Enqueue(Step step)
    {
        lock (_gate)
        {
            _steps.Enqueue(step);
            _more?.TrySetResult();
            _more = null;
        }
    }

    private sealed class Step
    {
        public byte[]? Bytes { get; init; }

        public Exception? Error { get; init; }

        public int Offset { get; set; }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}

/// <summary>A client connection in memory: a pipe whose writer records what each flush sent.</summary>
internal sealed class RecordingClient : PipeWriter
{
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly List<byte[]> _flushes = [];
    private readonly ArrayBufferWriter<byte> _unflushed = new();
    private Memory<byte> _lent;

    private TaskCompletionSource _nextFlush = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next flush has gone through (or found the client gone).</summary>
    public Task NextFlush
    {
        get
        {
            lock (_flushes)
            {
                return _nextFlush.Task;
            }
        }
    }

    /// <summary>The bytes each flush sent, in order.</summary>
    public IReadOnlyList<byte[]> Flushes
    {
        get
        {
            lock (_flushes)
            {
                return [.. _flushes];
            }
        }
    }

    /// <summary>Everything flushed, as text.</summary>
    public string Received => Encoding.UTF8.GetString([.. Flushes.SelectMany(f => f)]);

    /// <summary>The client closes its connection: the next flush finds nobody reading.</summary>
    public void Leave() => _pipe.Reader.Complete();

    public override void Advance(int bytes)
    {
        _unflushed.Write(_lent.Span[..bytes]);
        _pipe.Writer.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = _pipe.Writer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void CancelPendingFlush() => _pipe.Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _pipe.Writer.Complete(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var result = await _pipe.Writer.FlushAsync(cancellationToken);
        if (!result.IsCompleted)
        {
            lock (_flushes)
            {
                _flushes.Add(_unflushed.WrittenSpan.ToArray());
            }
            // Drain what the client "received" so the pipe never fills.
            if (_pipe.Reader.TryRead(out var read))
            {
                _pipe.Reader.AdvanceTo(read.Buffer.End);
            }
        }
        _unflushed.ResetWrittenCount();
        TaskCompletionSource flushed;
        lock (_flushes)
        {
            flushed = _nextFlush;
            _nextFlush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        flushed.SetResult();
        return result;
    }
}
