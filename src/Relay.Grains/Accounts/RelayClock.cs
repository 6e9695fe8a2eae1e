namespace Relay.Accounts;

/// <summary>
/// The key of the <see cref="TimeProvider"/> that Relay's grains read business time from. It is a keyed
/// service so tests can move Relay's time without moving the clock Orleans' own membership runs on.
/// </summary>
public static class RelayClock
{
    public const string Key = "relay";
}
