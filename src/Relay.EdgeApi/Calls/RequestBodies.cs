using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Relay.EdgeApi.Calls;

/// <summary>Reads a request body whole, refusing it past a size limit before reading more than the limit.</summary>
public static class RequestBodies
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpContext context, long limit)
    {
        // Relay enforces its own limit (so the refusal speaks the client's protocol); lift Kestrel's.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;
        }
        var declared = context.Request.ContentLength;
        if (declared > limit)
        {
            return null;
        }
        using var body = new MemoryStream(declared is { } length ? (int)length : ChunkSize);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk.AsMemory(0, ChunkSize), context.RequestAborted)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return null;
                }
                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return body.GetBuffer().AsMemory(0, (int)body.Length);
    }
}
