namespace Relay.Accounts;

/// <summary>
/// What an account grain persists through Orleans storage. Deliberately small and bounded: the balance
/// is not here but in the ledger table (its newest row), and the reservations of calls in flight are in the
/// reservations table, so nothing here grows with the calls made.
/// </summary>
[GenerateSerializer, Alias("Relay.AccountState")]
public sealed class AccountState
{
    [Id(0)] public string? Email { get; set; }

    [Id(1)] public DateTimeOffset? OpenedAt { get; set; }

    [Id(2)] public bool Disabled { get; set; }

    /// <summary>Known devices by id; pruned when idle, so at most a few entries.</summary>
    [Id(3)] public Dictionary<string, DeviceSession> Devices { get; set; } = [];

    [Id(4)] public string? InviteCode { get; set; }

    /// <summary>The account whose invite code this one signed up with.</summary>
    [Id(5)] public string? InvitedBy { get; set; }

    [Id(6)] public bool ReferralRewardPaid { get; set; }

    /// <summary>Transfers debited here whose credit the recipient has not confirmed yet, by transfer id.</summary>
    [Id(7)] public Dictionary<string, PendingTransfer> PendingTransfers { get; set; } = [];

    /// <summary>The account's API keys by key id; bounded by <see cref="AccountOptions.MaxKeys"/>.</summary>
    [Id(8)] public Dictionary<string, AccountKey> Keys { get; set; } = [];

}

[GenerateSerializer, Alias("Relay.PendingTransfer")]
public sealed class PendingTransfer
{
    [Id(0)] public string ToAccountId { get; set; } = "";

    [Id(1)] public long AmountNanos { get; set; }

    [Id(2)] public string Note { get; set; } = "";
}

[GenerateSerializer, Alias("Relay.DeviceSession")]
public sealed class DeviceSession
{
    [Id(0)] public DateTimeOffset FirstSeen { get; set; }

    [Id(1)] public DateTimeOffset LastActive { get; set; }
}
