namespace Relay.Accounts;

/// <summary>
/// What an account grain persists through Orleans storage. Deliberately small and bounded: the balance
/// is not here but in the ledger table (its newest row), so nothing grows with the calls settled.
/// </summary>
[GenerateSerializer, Alias("Relay.AccountState")]
public sealed class AccountState
{
    [Id(0)] public string? Email { get; set; }

    [Id(1)] public DateTimeOffset? OpenedAt { get; set; }

    [Id(2)] public bool Disabled { get; set; }

    /// <summary>Known devices by id; pruned when idle, so at most a few entries.</summary>
    [Id(3)] public Dictionary<string, DeviceSession> Devices { get; set; } = [];
}

[GenerateSerializer, Alias("Relay.DeviceSession")]
public sealed class DeviceSession
{
    [Id(0)] public DateTimeOffset FirstSeen { get; set; }

    [Id(1)] public DateTimeOffset LastActive { get; set; }
}
