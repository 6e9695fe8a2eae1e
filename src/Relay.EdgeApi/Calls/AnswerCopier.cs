using System.Buffers;
using System.IO.Pipelines;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Protocols;

namespace Relay.EdgeApi.Calls;

/// <summary>How the relay of one answer ended.</summary>
public enum AnswerEnd
{
    /// <summary>The upstream finished and the client was sent every byte.</summary>
    Complete,

    /// <summary>The client went away; what it was sent before is what it got.</summary>
    ClientGone,

    /// <summary>The upstream broke off, or sent nothing for its idle timeout, in the middle of the answer.</summary>
    CutByUpstream,

    /// <summary>The edge's drain time ran out with the answer still coming, and the client still there.</summary>
    CutByDrain,
}

/// <summary>How an answer's relay ended, and what the meter learnt of it up to then.</summary>
/// <param name="UpstreamError">What broke the answer when <see cref="End"/> is <see cref="AnswerEnd.CutByUpstream"/>.</param>
public sealed record CopiedAnswer(AnswerEnd End, MeteredCall Metered, Exception? UpstreamError = null);

/// <summary>
/// Copies one upstream answer to the client, as it comes, through its stages: the meter (same bytes out, usage
/// learnt on the way), then, when the client speaks another wire format than the upstream, a translator. Bytes
/// are flushed to the client when the upstream has nothing more ready (or 64 KiB have piled up), not once per
/// event or per read: events that arrive together leave together, in one write to the socket.
/// </summary>
/// <remarks>
/// The copier tells how the answer ended and leaves ending the response to its caller: a cut answer must be
/// aborted, not completed, so that the client cannot take a part for the whole.
/// </remarks>
public sealed class AnswerCopier
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Unflushed bytes after which the copier flushes even while the upstream has more ready.</summary>
    private const int MaxUnflushedBytes = 64 * 1024;

    private readonly IStreamMeter _meter;
    private readonly IAnswerStage? _translator;
    private readonly ArrayBufferWriter<byte>? _metered;

    /// <param name="meter">Meters the upstream's bytes, in the upstream's wire format.</param>
    /// <param name="translator">Turns what the meter passes on into the client's wire format; null when they speak the same.</param>
    public AnswerCopier(IStreamMeter meter, IAnswerStage? translator = null)
    {
        _meter = meter;
        _translator = translator;
        _metered = translator is null ? null : new ArrayBufferWriter<byte>();
    }

    /// <summary>
    /// Copies until the upstream ends, breaks, or the answer is abandoned: <paramref name="clientGone"/> (the client
    /// left) or <paramref name="drainOver"/> (the edge stops) cancelled, or the client no longer reading.
    /// </summary>
    /// <param name="firstBytes">Called once, when the first bytes are flushed to the client.</param>
    public async Task<CopiedAnswer> CopyAsync(Stream upstream, PipeWriter client, CancellationToken clientGone, CancellationToken drainOver, Action? firstBytes = null)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(clientGone, drainOver);
        var stopped = stop.Token;
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var end = AnswerEnd.Complete;
        Exception? upstreamError = null;
        var reading = false;
        ValueTask<int> next = default;
        try
        {
            var unflushed = 0;
            var flushedAny = false;
            next = upstream.ReadAsync(chunk.AsMemory(0, ChunkSize), stopped);
            reading = true;
            while (true)
            {
                if (unflushed > 0 && (!next.IsCompleted || unflushed >= MaxUnflushedBytes))
                {
                    // The upstream has nothing more ready: what came goes out while the next read waits.
                    if (!await FlushAsync(client, stopped))
                    {
                        end = AnswerEnd.ClientGone;
                        break;
                    }
                    unflushed = 0;
                    if (!flushedAny)
                    {
                        flushedAny = true;
                        firstBytes?.Invoke();
                    }
                }
                var read = await next;
                reading = false;
                if (read == 0)
                {
                    break;
                }
                Forward(chunk.AsSpan(0, read), client);
                unflushed += read;
                next = upstream.ReadAsync(chunk.AsMemory(0, ChunkSize), stopped);
                reading = true;
            }

            if (end == AnswerEnd.Complete)
            {
                CompleteStages(client);
                if (!await FlushAsync(client, stopped))
                {
                    end = AnswerEnd.ClientGone;
                }
                else if (!flushedAny && unflushed > 0)
                {
                    firstBytes?.Invoke();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && stopped.IsCancellationRequested)
        {
            end = AnswerEnd.ClientGone;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or UpstreamIdleTimeoutException)
        {
            // The answer has begun, so there is no retry: the client keeps what it got, and pays for that, so
            // what came before the cut is sent before the response is aborted.
            end = AnswerEnd.CutByUpstream;
            upstreamError = e;
            await FlushWhatCameAsync(client, stopped);
        }
        finally
        {
            if (reading)
            {
                // The chunk goes back to the pool only once no read can write into it any more.
                await stop.CancelAsync();
                try
                {
                    await next;
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or UpstreamIdleTimeoutException or ObjectDisposedException)
                {
                    // The answer is over either way.
                }
            }
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (end == AnswerEnd.ClientGone && drainOver.IsCancellationRequested && !clientGone.IsCancellationRequested)
        {
            // Abandoned because the edge stops, not because the client left: it is there, waiting for the rest.
            end = AnswerEnd.CutByDrain;
        }
        return new CopiedAnswer(end, _meter.Result, upstreamError);
    }

    private void Forward(ReadOnlySpan<byte> bytes, PipeWriter client)
    {
        if (_translator is null)
        {
            _meter.Process(bytes, client);
            return;
        }
        _meter.Process(bytes, _metered!);
        _translator.Process(_metered!.WrittenSpan, client);
        _metered.ResetWrittenCount();
    }

    private void CompleteStages(PipeWriter client)
    {
        if (_translator is null)
        {
            _meter.Complete(client);
            return;
        }
        _meter.Complete(_metered!);
        _translator.Process(_metered!.WrittenSpan, client);
        _metered.ResetWrittenCount();
        _translator.Complete(client);
    }

    private static async Task FlushWhatCameAsync(PipeWriter client, CancellationToken stopped)
    {
        try
        {
            await client.FlushAsync(stopped);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client left too.
        }
    }

    /// <summary>False when the client no longer reads (its connection closed).</summary>
    private static async ValueTask<bool> FlushAsync(PipeWriter client, CancellationToken stopped)
    {
        var flushed = await client.FlushAsync(stopped);
        return !flushed.IsCanceled && !flushed.IsCompleted;
    }
}
