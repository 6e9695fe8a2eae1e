using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Accounts;

/// <summary>
/// Names the device a call comes from: the client's own <c>x-relay-device</c> header when the operator trusts
/// it, else the client's address (taken from X-Forwarded-For only behind a trusted proxy; the forwarded-headers
/// middleware has already applied that rule to <see cref="ConnectionInfo.RemoteIpAddress"/>).
/// </summary>
public sealed class DeviceIdentity(IOptionsMonitor<RelayOptions> options)
{
    private const int MaxLength = 64;

    public string Of(HttpContext context)
    {
        var devices = options.CurrentValue.Devices;
        if (devices.TrustDeviceHeader)
        {
            var named = context.Request.Headers[devices.HeaderName].ToString().Trim();
            if (named.Length > 0)
            {
                return "device:" + Clean(named);
            }
        }
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "ip:unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return "ip:" + address;
    }

    private static string Clean(string name)
    {
        var kept = new string(name.Where(c => !char.IsControl(c)).ToArray());
        return kept.Length <= MaxLength ? kept : kept[..MaxLength];
    }
}
