namespace Relay.Accounts;

/// <summary>The rules every account grain applies; bound from configuration section "Relay:Accounts".</summary>
public sealed class AccountOptions
{
    public const string Section = "Relay:Accounts";

    /// <summary>Devices that may be active at once.</summary>
    public int MaxDevices { get; set; } = 2;

    /// <summary>A device stays active this long after its last call (and while it has a call open).</summary>
    public TimeSpan DeviceIdleWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A reservation whose settlement has not come this long after admission is expired: its reserved
    /// amount is charged as a <see cref="LedgerEntryKind.ReservationExpiry"/> entry under the call's own
    /// entry id, so a settlement that arrives later still charges the call only once. It must be longer
    /// than the longest call an edge will relay (edges end calls at their idle timeout).
    /// </summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
