using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// Token counts per account per minute (<c>Relay:Limits:CountTokensPerMinute</c>). Counting is free for the caller
/// but not for the edge, whose tokenizer runs over the whole body: an account past its share waits (429).
/// </summary>
public sealed class TokenCountLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> _counts;

    public TokenCountLimit(IOptions<RelayOptions> options)
    {
        var perMinute = options.Value.Limits.CountTokensPerMinute;
        _counts = PartitionedRateLimiter.Create<string, string>(accountId => RateLimitPartition.GetFixedWindowLimiter(
            accountId,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>Null when the account may count now (and uses one count); else how long it should wait.</summary>
    public TimeSpan? Refuses(string accountId)
    {
        using var lease = _counts.AttemptAcquire(accountId);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _counts.Dispose();
}
