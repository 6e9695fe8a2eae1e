using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// The admission rules of one account and the reservations of its calls in flight: what a call must pass to be
/// admitted, what it reserves, and when an unsettled reservation expires. Decides in memory only; the
/// <see cref="AccountGrain"/> makes each decision durable through its <see cref="AccountJournal"/>.
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an account grain activation and runs on its scheduler.
/// </remarks>
internal sealed class AccountReservations(AccountOptions rules, AccountMetrics metrics)
{
    private readonly Dictionary<string, Reservation> _open = [];

    /// <summary>
    /// Calls released before their admission arrived (an edge that lost an admission's answer releases it at
    /// once, and the release can overtake the admission), by when; a late admission of one reserves nothing.
    /// </summary>
    private readonly Dictionary<string, DateTimeOffset> _releasedUnseen = [];

    /// <summary>The sum of the open reservations.</summary>
    public Usd Reserved { get; private set; }

    /// <summary>Open reservations.</summary>
    public int Count => _open.Count;

    /// <summary>The devices that have a call in flight.</summary>
    public IReadOnlySet<string> DevicesInFlight => _open.Values.Select(r => r.Device).ToHashSet();

    /// <summary>
    /// Decides one admission and, when admitted, opens its reservation. <paramref name="available"/> is what the
    /// account may still spend (balance less pending debits and open reservations). One uninterrupted step: the
    /// caller must not await between reading <paramref name="available"/> and this.
    /// </summary>
    public AdmissionDecision Admit(AdmissionRequest request, DateTimeOffset now, Usd available, AccountDevices devices)
    {
        if (_open.ContainsKey(request.CallId))
        {
            return new AdmissionDecision(AdmissionOutcome.Admitted, Opened: null, NewDevice: false, devices.Active(now, DevicesInFlight));
        }
        if (_releasedUnseen.Remove(request.CallId))
        {
            return new AdmissionDecision(AdmissionOutcome.AlreadyReleased, Opened: null, NewDevice: false, devices.Active(now, DevicesInFlight));
        }

        var active = devices.Active(now, DevicesInFlight);
        devices.ForgetIdle(active);
        if (!devices.Admits(request.Device, active))
        {
            return new AdmissionDecision(AdmissionOutcome.DeviceLimit, Opened: null, NewDevice: false, active);
        }

        // Admitted while anything is available: the reservation may take the available balance below zero,
        // and then nothing more is admitted. This is the overdraft bound (docs/accounts.md).
        if (available <= Usd.Zero)
        {
            return new AdmissionDecision(AdmissionOutcome.InsufficientBalance, Opened: null, NewDevice: false, active);
        }

        var reservation = new Reservation(request.Estimate, request.Device, now);
        Open(request.CallId, reservation);
        var newDevice = devices.Touch(request.Device, now);
        return new AdmissionDecision(AdmissionOutcome.Admitted, reservation, newDevice, active);
    }

    /// <summary>Whether a call holds an open reservation.</summary>
    public bool IsOpen(string callId) => _open.ContainsKey(callId);

    /// <summary>Marks a reserved call started; false when it is not open or already started.</summary>
    public bool MarkStarted(string callId)
    {
        if (!_open.TryGetValue(callId, out var reservation) || reservation.Started)
        {
            return false;
        }
        _open[callId] = reservation with { Started = true };
        return true;
    }

    /// <summary>Takes a call's reservation out of the open ones; returns it, or null if it was not open.</summary>
    public Reservation? Close(string callId)
    {
        if (!_open.Remove(callId, out var reservation))
        {
            return null;
        }
        Reserved -= reservation.Amount;
        metrics.ReservationClosed();
        return reservation;
    }

    /// <summary>Puts back a reservation whose closing did not commit; true when it was put back.</summary>
    public bool Reopen(string callId, Reservation reservation)
    {
        if (!_open.TryAdd(callId, reservation))
        {
            return false;
        }
        Reserved += reservation.Amount;
        metrics.ReservationOpened();
        return true;
    }

    /// <summary>Brings back a reservation stored by an earlier activation.</summary>
    public void Restore(StoredReservation stored) =>
        Reopen(stored.CallId, new Reservation(stored.Amount, stored.Device, stored.OpenedAt, stored.Started));

    /// <summary>
    /// Closes every reservation older than the timeout and returns them. Each one started is charged by the
    /// caller as a <see cref="LedgerEntryKind.ReservationExpiry"/> under its call's entry id; one never started is
    /// released (its edge died before the call reached a provider, or before the provider answered).
    /// </summary>
    public List<(string CallId, Reservation Reservation)> TakeExpired(DateTimeOffset now)
    {
        if (_open.Count == 0)
        {
            return [];
        }
        var expired = _open.Where(r => now - r.Value.OpenedAt >= rules.ReservationTimeout).Select(r => (r.Key, r.Value)).ToList();
        foreach (var (callId, _) in expired)
        {
            Close(callId);
        }
        return expired;
    }

    /// <summary>Remembers a call released before its admission came, for as long as an admission could still come.</summary>
    public void RememberReleasedUnseen(string callId, DateTimeOffset now)
    {
        foreach (var stale in _releasedUnseen.Where(r => now - r.Value > rules.ReservationTimeout).Select(r => r.Key).ToList())
        {
            _releasedUnseen.Remove(stale);
        }
        _releasedUnseen[callId] = now;
    }

    private void Open(string callId, Reservation reservation)
    {
        _open[callId] = reservation;
        Reserved += reservation.Amount;
        metrics.ReservationOpened();
    }
}

/// <summary>What one call holds back from the balance while it is in flight.</summary>
internal readonly record struct Reservation(Usd Amount, string Device, DateTimeOffset OpenedAt, bool Started = false);

/// <summary>
/// An admission decided in memory: its outcome, the reservation it opened (null if none), whether its device is
/// new to the account, and the devices active when it was decided.
/// </summary>
internal sealed record AdmissionDecision(AdmissionOutcome Outcome, Reservation? Opened, bool NewDevice, List<DeviceActivity> ActiveDevices);
