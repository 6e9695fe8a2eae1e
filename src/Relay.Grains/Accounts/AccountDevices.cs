namespace Relay.Accounts;

/// <summary>
/// The device rules of one account: which devices are active, whether one more may be, and their activity.
/// Works on the account's stored device sessions (<see cref="AccountState.Devices"/>); the
/// <see cref="AccountGrain"/> decides when they are written.
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an account grain activation and runs on its scheduler.
/// </remarks>
internal sealed class AccountDevices(AccountOptions rules, Dictionary<string, DeviceSession> sessions)
{
    /// <summary>
    /// The devices active now, least recently active first: those that made a call within the idle window, and
    /// those with a call in flight.
    /// </summary>
    public List<DeviceActivity> Active(DateTimeOffset now, IReadOnlySet<string> withOpenCalls) =>
        sessions
            .Where(d => now - d.Value.LastActive < rules.DeviceIdleWindow || withOpenCalls.Contains(d.Key))
            .Select(d => new DeviceActivity(d.Key, d.Value.FirstSeen, d.Value.LastActive))
            .OrderBy(d => d.LastActive)
            .ToList();

    /// <summary>Whether a call from <paramref name="device"/> may be admitted beside the <paramref name="active"/> ones.</summary>
    public bool Admits(string device, List<DeviceActivity> active) =>
        active.Count < rules.MaxDevices || active.Any(d => d.Device == device);

    /// <summary>
    /// Drops idle devices from memory; the next write of the account's state persists it (until then an idle
    /// device is simply idle again on the next look).
    /// </summary>
    public void ForgetIdle(List<DeviceActivity> active)
    {
        var kept = active.Select(d => d.Device).ToHashSet();
        foreach (var device in sessions.Keys.Where(d => !kept.Contains(d)).ToList())
        {
            sessions.Remove(device);
        }
    }

    /// <summary>Marks a device active; true when the device is new to the account.</summary>
    public bool Touch(string device, DateTimeOffset now)
    {
        if (sessions.TryGetValue(device, out var session))
        {
            session.LastActive = now;
            return false;
        }
        sessions[device] = new DeviceSession { FirstSeen = now, LastActive = now };
        return true;
    }

    /// <summary>A call of a known device ended: it was active until now.</summary>
    public void Ended(string device, DateTimeOffset now)
    {
        if (sessions.TryGetValue(device, out var session))
        {
            session.LastActive = now;
        }
    }

    /// <summary>A device known from a reservation restored after a crash (its session may not have been written).</summary>
    public void KnownSince(string device, DateTimeOffset since) =>
        sessions.TryAdd(device, new DeviceSession { FirstSeen = since, LastActive = since });

    /// <summary>Frees a device's slot; false when the device is not known.</summary>
    public bool Revoke(string device) => sessions.Remove(device);
}
