using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Accounts;

/// <summary>
/// Counts failed API-key checks per client address (an IPv6 client by its /64, which one host can fill at will).
/// An address past <c>Relay:Keys:FailedPermitLimit</c> failures within <c>Relay:Keys:FailedWindow</c> is refused
/// with 429 before its key is looked at, so guessing keys or hammering with a dead one costs the cluster nothing.
/// </summary>
public sealed class FailedKeyThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public FailedKeyThrottle(IOptions<RelayOptions> options)
    {
        var keys = options.Value.Keys;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(
            address,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = keys.FailedPermitLimit,
                Window = keys.FailedWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>The client's address as the throttle counts it.</summary>
    public static string AddressOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }

    /// <summary>Null while the address may still try keys; else how long it should wait.</summary>
    public TimeSpan? Refuses(string address)
    {
        // Asking for no permit tells whether any are left without using one.
        using var probe = _failures.AttemptAcquire(address, 0);
        if (probe.IsAcquired)
        {
            return null;
        }
        return probe.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    /// <summary>Counts one failed key check against the address.</summary>
    public void Failed(string address)
    {
        using var _ = _failures.AttemptAcquire(address);
    }

    public void Dispose() => _failures.Dispose();
}
