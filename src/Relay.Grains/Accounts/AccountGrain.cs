using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// The single writer of one account's money. The balance lives in the ledger table: every posting is one
/// row carrying its sequence number and the balance after it, inserted before the caller hears "booked".
/// On activation the grain reads the newest row, so after a crash at any point its balance agrees with its
/// ledger. Reservations of calls in flight are held in memory only (see docs/accounts.md for what a silo
/// crash does to them).
/// </summary>
internal sealed partial class AccountGrain(
    [PersistentState("account", RelayStorage.Name)] IPersistentState<AccountState> state,
    LedgerStore ledger,
    IOptions<AccountOptions> options,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
{
    /// <summary>Settlements and expiries book under the call's id with this prefix, so a call is charged once.</summary>
    internal const string CallEntryPrefix = "call:";

    private readonly Dictionary<string, Reservation> _reservations = [];
    private readonly AccountOptions _rules = options.Value;
    private Usd _balance;
    private long _sequence;
    private bool _headKnown;
    private Usd _reserved;
    private IGrainTimer? _expiryTimer;

    private string Id => this.GetPrimaryKeyString();

    private bool Opened => state.State.OpenedAt is not null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        await LoadHeadAsync(cancellationToken);

    public async Task<AccountView> OpenAsync(string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        if (!Opened)
        {
            state.State.Email = email.Trim();
            state.State.OpenedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
        }
        return View(clock.GetUtcNow());
    }

    public Task<AccountView> GetAsync() => Task.FromResult(View(clock.GetUtcNow()));

    public async Task<PostingResult> PostAsync(LedgerPosting posting)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var delta = DeltaOf(posting);
        if (!Opened)
        {
            return new PostingResult(PostingOutcome.UnknownAccount, null, Usd.Zero);
        }

        await ExpireReservationsAsync(clock.GetUtcNow());
        var refusal = posting.Kind switch
        {
            LedgerEntryKind.TransferOut when state.State.Disabled => PostingOutcome.AccountDisabled,
            LedgerEntryKind.TransferOut when _balance - _reserved < posting.Amount => PostingOutcome.InsufficientBalance,
            _ => (PostingOutcome?)null,
        };
        if (refusal is { } outcome)
        {
            // A replay of a posting booked earlier is answered with its first result, whatever the balance is now.
            var booked = await ledger.FindAsync(Id, posting.EntryId);
            return booked is null
                ? new PostingResult(outcome, null, _balance)
                : new PostingResult(PostingOutcome.AlreadyBooked, booked, _balance);
        }

        return await BookAsync(posting.EntryId, posting.Kind, delta, posting.Reference, usage: null);
    }

    public async Task<Admission> AdmitAsync(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CallId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Device);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Estimate.Nanos, nameof(request));

        var now = clock.GetUtcNow();
        if (!Opened)
        {
            return new Admission(AdmissionOutcome.UnknownAccount, Usd.Zero, []);
        }
        if (state.State.Disabled)
        {
            return new Admission(AdmissionOutcome.AccountDisabled, Usd.Zero, []);
        }

        await ExpireReservationsAsync(now);
        if (_reservations.ContainsKey(request.CallId))
        {
            return new Admission(AdmissionOutcome.Admitted, _balance - _reserved, ActiveDevices(now));
        }

        await PruneIdleDevicesAsync(now);
        var active = ActiveDevices(now);
        if (active.Count >= _rules.MaxDevices && !active.Any(d => d.Device == request.Device))
        {
            LogDeviceRefused(Id, request.Device, active.Count);
            return new Admission(AdmissionOutcome.DeviceLimit, _balance - _reserved, active);
        }

        // Admitted while anything is available: the reservation may take the available balance below zero,
        // and then nothing more is admitted. This is the overdraft bound (docs/accounts.md).
        if (_balance - _reserved <= Usd.Zero)
        {
            return new Admission(AdmissionOutcome.InsufficientBalance, _balance - _reserved, active);
        }

        _reservations[request.CallId] = new Reservation(request.Estimate, request.Device, now);
        _reserved += request.Estimate;
        await TouchDeviceAsync(request.Device, now);
        EnsureExpiryTimer();
        return new Admission(AdmissionOutcome.Admitted, _balance - _reserved, ActiveDevices(now));
    }

    public async Task<PostingResult> SettleAsync(Settlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentException.ThrowIfNullOrWhiteSpace(settlement.CallId);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.Usage.Cost.Nanos, nameof(settlement));
        if (!Opened)
        {
            return new PostingResult(PostingOutcome.UnknownAccount, null, Usd.Zero);
        }

        var now = clock.GetUtcNow();
        var result = settlement.Usage.Cost.IsPositive
            ? await BookAsync(CallEntryPrefix + settlement.CallId, LedgerEntryKind.UsageCharge, -settlement.Usage.Cost,
                $"{settlement.Usage.Model} via {settlement.Usage.Channel}", settlement.Usage)
            : new PostingResult(PostingOutcome.Released, null, _balance);

        if (_reservations.Remove(settlement.CallId, out var reservation))
        {
            _reserved -= reservation.Amount;
            if (state.State.Devices.TryGetValue(reservation.Device, out var device))
            {
                device.LastActive = now;
            }
        }
        return result;
    }

    public Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(long? beforeSequence, int limit) =>
        ledger.ReadAsync(Id, beforeSequence, limit);

    public async Task<bool> RevokeDeviceAsync(string device)
    {
        if (!state.State.Devices.Remove(device))
        {
            return false;
        }
        await state.WriteStateAsync();
        return true;
    }

    public async Task SetDisabledAsync(bool disabled)
    {
        if (state.State.Disabled != disabled)
        {
            state.State.Disabled = disabled;
            await state.WriteStateAsync();
        }
    }

    private static Usd DeltaOf(LedgerPosting posting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(posting.EntryId);
        if (posting.EntryId.Length > 200)
        {
            throw new ArgumentException("An entry id is at most 200 characters.", nameof(posting));
        }
        if (posting.EntryId.StartsWith(CallEntryPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Entry ids starting with '{CallEntryPrefix}' belong to calls.", nameof(posting));
        }
        return posting.Kind switch
        {
            LedgerEntryKind.UsageCharge or LedgerEntryKind.ReservationExpiry =>
                throw new ArgumentException($"{posting.Kind} is booked by settling or expiring a call, not posted.", nameof(posting)),
            LedgerEntryKind.AdminAdjustment when posting.Amount == Usd.Zero =>
                throw new ArgumentOutOfRangeException(nameof(posting), "An adjustment is never zero."),
            LedgerEntryKind.AdminAdjustment => posting.Amount,
            _ when !posting.Amount.IsPositive =>
                throw new ArgumentOutOfRangeException(nameof(posting), $"A {posting.Kind} amount must be positive."),
            var kind when kind.IsDebit() => -posting.Amount,
            _ => posting.Amount,
        };
    }

    /// <summary>
    /// Books one entry: inserts the row (durable when this returns), then moves the balance in memory.
    /// If the insert's outcome is unknown (an exception), the head is read again before the next posting,
    /// and the caller's retry with the same entry id finds the row if it was written.
    /// </summary>
    private async Task<PostingResult> BookAsync(string entryId, LedgerEntryKind kind, Usd delta, string reference, UsageRecord? usage)
    {
        if (!_headKnown)
        {
            await LoadHeadAsync(CancellationToken.None);
        }

        var entry = new LedgerEntry(_sequence + 1, entryId, kind, delta, _balance + delta, clock.GetUtcNow(), reference, usage);
        bool inserted;
        try
        {
            inserted = await ledger.TryAppendAsync(Id, entry);
        }
        catch
        {
            _headKnown = false;
            throw;
        }

        if (!inserted)
        {
            var first = await ledger.FindAsync(Id, entryId)
                ?? throw new InvalidOperationException($"Entry {entryId} conflicted but cannot be found.");
            return new PostingResult(PostingOutcome.AlreadyBooked, first, _balance);
        }

        _sequence = entry.Sequence;
        _balance = entry.BalanceAfter;
        return new PostingResult(PostingOutcome.Booked, entry, _balance);
    }

    private async Task LoadHeadAsync(CancellationToken cancellation)
    {
        (_sequence, _balance) = await ledger.HeadAsync(Id, cancellation);
        _headKnown = true;
    }

    private async Task ExpireReservationsAsync(DateTimeOffset now)
    {
        if (_reservations.Count == 0)
        {
            return;
        }
        var expired = _reservations.Where(r => now - r.Value.OpenedAt >= _rules.ReservationTimeout).ToList();
        foreach (var (callId, reservation) in expired)
        {
            if (reservation.Amount.IsPositive)
            {
                await BookAsync(CallEntryPrefix + callId, LedgerEntryKind.ReservationExpiry, -reservation.Amount,
                    $"call {callId} was not settled within {_rules.ReservationTimeout}", usage: null);
            }
            _reservations.Remove(callId);
            _reserved -= reservation.Amount;
            LogReservationExpired(Id, callId, reservation.Amount.ToString());
        }
    }

    private void EnsureExpiryTimer()
    {
        if (_expiryTimer is not null)
        {
            return;
        }
        var period = TimeSpan.FromTicks(Math.Min(_rules.ReservationTimeout.Ticks / 4, TimeSpan.FromMinutes(1).Ticks));
        _expiryTimer = this.RegisterGrainTimer(async () =>
        {
            await ExpireReservationsAsync(clock.GetUtcNow());
            if (_reservations.Count == 0)
            {
                _expiryTimer?.Dispose();
                _expiryTimer = null;
            }
        }, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private List<DeviceActivity> ActiveDevices(DateTimeOffset now)
    {
        var withOpenCalls = _reservations.Values.Select(r => r.Device).ToHashSet();
        return state.State.Devices
            .Where(d => now - d.Value.LastActive < _rules.DeviceIdleWindow || withOpenCalls.Contains(d.Key))
            .Select(d => new DeviceActivity(d.Key, d.Value.FirstSeen, d.Value.LastActive))
            .OrderBy(d => d.LastActive)
            .ToList();
    }

    private async Task PruneIdleDevicesAsync(DateTimeOffset now)
    {
        var active = ActiveDevices(now).Select(d => d.Device).ToHashSet();
        var idle = state.State.Devices.Keys.Where(d => !active.Contains(d)).ToList();
        if (idle.Count == 0)
        {
            return;
        }
        foreach (var device in idle)
        {
            state.State.Devices.Remove(device);
        }
        await state.WriteStateAsync();
    }

    /// <summary>Marks a device active; writes state only when the device is new, not on every call.</summary>
    private async Task TouchDeviceAsync(string device, DateTimeOffset now)
    {
        if (state.State.Devices.TryGetValue(device, out var session))
        {
            session.LastActive = now;
            return;
        }
        state.State.Devices[device] = new DeviceSession { FirstSeen = now, LastActive = now };
        await state.WriteStateAsync();
    }

    private AccountView View(DateTimeOffset now) => new(
        Id, state.State.Email, _balance, _reserved, _reservations.Count, state.State.Disabled,
        ActiveDevices(now), _sequence, state.State.OpenedAt);

    private readonly record struct Reservation(Usd Amount, string Device, DateTimeOffset OpenedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} refused device {Device}: {Active} devices active")]
    private partial void LogDeviceRefused(string accountId, string device, int active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} charged the reservation of unsettled call {CallId}: {Amount} USD")]
    private partial void LogReservationExpired(string accountId, string callId, string amount);
}
