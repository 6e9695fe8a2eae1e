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

    /// <summary>
    /// How long the mark that a call's upstream answered may wait for another commit of the account to ride
    /// along with before it gets one of its own. A call settled sooner never writes it (its settlement deletes
    /// the reservation). The price: a call whose edge and account silo both die within this time of its
    /// upstream answering is released instead of charged at expiry (docs/accounts.md).
    /// </summary>
    public TimeSpan StartedWriteBehind { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>API keys an account may hold (revoked ones count until deleted).</summary>
    public int MaxKeys { get; set; } = 20;

    /// <summary>Credit booked when a person signs up.</summary>
    public decimal SignUpBonusUsd { get; set; } = 0.50m;

    /// <summary>Further credit booked when the person signed up with another account's invite code.</summary>
    public decimal InviteBonusUsd { get; set; } = 0.50m;

    /// <summary>Share of the invitee's first top-up credited to the inviter, once (rounded down to a nano-dollar).</summary>
    public decimal ReferralRate { get; set; } = 0.05m;

    /// <summary>How often a transfer whose credit is not yet confirmed is sent again.</summary>
    public TimeSpan TransferResendPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Chaos testing only: the silo process dies right after a transfer's debit is booked, before its credit
    /// is sent, to prove that the transfer still completes exactly once. Never set in production.
    /// </summary>
    public bool CrashAfterTransferDebit { get; set; }
}
