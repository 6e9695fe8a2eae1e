using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// The bytes all request bodies held by this edge take together, within <c>Relay:Limits:MaxBufferedBodyBytes</c>.
/// A body takes its share as its bytes arrive (never what its Content-Length claims) and gives it back when its call
/// ends, so a thousand slow or lying senders hold only what they really sent, and never more than the bound.
/// </summary>
public sealed class BodyBudget(IOptions<RelayOptions> options)
{
    private readonly long _capacity = options.Value.Limits.MaxBufferedBodyBytes;
    private long _held;

    /// <summary>Bytes held right now.</summary>
    public long Held => Volatile.Read(ref _held);

    /// <summary>Takes <paramref name="bytes"/> when they fit under the bound; false (and nothing taken) when not.</summary>
    public bool TryTake(long bytes)
    {
        while (true)
        {
            var held = Volatile.Read(ref _held);
            if (held + bytes > _capacity)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _held, held + bytes, held) == held)
            {
                return true;
            }
        }
    }

    public void Give(long bytes) => Interlocked.Add(ref _held, -bytes);
}

/// <summary>A request body read whole; disposing it gives its bytes back to the <see cref="BodyBudget"/>.</summary>
public sealed class RequestBody(byte[] buffer, int length, BodyBudget budget) : IDisposable
{
    private int _disposed;

    public ReadOnlyMemory<byte> Memory { get; } = buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            budget.Give(buffer.Length);
        }
    }
}

public enum BodyProblem
{
    None,

    /// <summary>Larger than the limit: 413.</summary>
    TooLarge,

    /// <summary>The edge holds as many body bytes as it may: 503 with Retry-After.</summary>
    Busy,
}

/// <summary>Reads a request body whole, refusing it past a size limit before reading more than the limit.</summary>
public static class RequestBodies
{
    /// <summary>The first buffer; it doubles as bytes arrive. Small, so a body that never comes costs nearly nothing.</summary>
    private const int InitialSize = 16 * 1024;

    /// <summary>The body, or why there is none: larger than <paramref name="limit"/> bytes, or no room in <paramref name="budget"/>.</summary>
    public static async Task<(RequestBody? Body, BodyProblem Problem)> ReadAsync(HttpContext context, long limit, BodyBudget budget)
    {
        // Relay enforces its own limit (so the refusal speaks the client's protocol); lift Kestrel's.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;
        }
        if (context.Request.ContentLength > limit)
        {
            return (null, BodyProblem.TooLarge);
        }
        var cap = (int)Math.Min(limit, Array.MaxLength);
        var buffer = Array.Empty<byte>();
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length == cap)
                    {
                        // Full at the limit: one more byte makes the body too large.
                        var probe = new byte[1];
                        return await context.Request.Body.ReadAsync(probe, context.RequestAborted) == 0
                            ? (new RequestBody(buffer, length, budget), BodyProblem.None)
                            : Refuse(BodyProblem.TooLarge);
                    }
                    var grown = (int)Math.Min(Math.Max(InitialSize, (long)buffer.Length * 2), cap);
                    // The smaller buffer is garbage once copied: the budget counts the buffer a body keeps.
                    if (!budget.TryTake(grown - buffer.Length))
                    {
                        return Refuse(BodyProblem.Busy);
                    }
                    // Not pooled: the upstream request may still read a body after its call gave it back.
                    var larger = GC.AllocateUninitializedArray<byte>(grown);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    buffer = larger;
                }
                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0)
                {
                    return (new RequestBody(buffer, length, budget), BodyProblem.None);
                }
                length += read;
            }
        }
        catch
        {
            budget.Give(buffer.Length);
            throw;
        }

        (RequestBody?, BodyProblem) Refuse(BodyProblem problem)
        {
            budget.Give(buffer.Length);
            return (null, problem);
        }
    }
}
