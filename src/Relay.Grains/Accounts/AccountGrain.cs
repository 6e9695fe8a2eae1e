using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// The single writer of one account's money. The balance lives in the ledger table: every posting is one
/// row carrying its sequence number and the balance after it, committed before the caller hears "booked".
/// On activation the grain reads the newest row, so after a crash at any point its balance agrees with its
/// ledger. Reservations of calls in flight are committed at admission in their own table, so a crash
/// forgets none of them: each is settled, or expires by the rule (charged if its call started; docs/accounts.md).
/// </summary>
/// <remarks>
/// One grain, so that a call costs one hop; each concern is a plain class it owns: the admission rules and
/// reservations (<see cref="AccountReservations"/>), the devices (<see cref="AccountDevices"/>), the transfers
/// (<see cref="TransferOutbox"/>), sign-up and referral (<see cref="AccountSignUp"/>), the keys
/// (<see cref="AccountKeys"/>), and the group commit of all its money (<see cref="AccountJournal"/>).
/// Admissions and settlements interleave: each decides in memory, in one uninterrupted step, then waits for
/// the journal to commit it, so the calls of a busy account share commits. Everything else (opening, postings,
/// transfers, keys, devices, the account's stored state) runs one at a time under <see cref="SeriallyAsync"/>,
/// as it would in a grain that does not interleave.
/// </remarks>
[Reentrant]
internal sealed partial class AccountGrain(
    [PersistentState("account", RelayStorage.Name)] IPersistentState<AccountState> state,
    LedgerStore ledger,
    LedgerWriter writer,
    IOptions<AccountOptions> options,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock,
    AccountMetrics metrics,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
{
    /// <summary>Settlements and expiries book under the call's id with this prefix, so a call is charged once.</summary>
    internal const string CallEntryPrefix = "call:";

    private readonly AccountOptions _rules = options.Value;

    /// <summary>Reservations admitted whose commit has not ended yet, by call: what <see cref="ConfirmReservationAsync"/> waits for.</summary>
    private readonly Dictionary<string, Task> _reserving = [];
    private readonly AccountReservations _reservations = new(options.Value, metrics);
    private Task _serialTail = Task.CompletedTask;
    private AccountJournal _journal = null!;
    private AccountDevices _devices = null!;
    private TransferOutbox _transfers = null!;
    private AccountSignUp _signUp = null!;
    private AccountKeys _keys = null!;
    private IGrainTimer? _expiryTimer;
    private IGrainTimer? _startsTimer;
    private IGrainTimer? _transferTimer;

    private string Id => this.GetPrimaryKeyString();

    private bool Opened => state.State.OpenedAt is not null;

    /// <summary>What admission may still spend: the balance less pending debits and open reservations.</summary>
    private Usd Available => _journal.Balance - _journal.PendingDebits - _reservations.Reserved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new AccountJournal(Id, ledger, writer, clock, metrics);
        _devices = new AccountDevices(_rules, state.State.Devices);
        _transfers = new TransferOutbox(Id, state, _journal, ledger, GrainFactory, _rules);
        _signUp = new AccountSignUp(Id, state, _journal, ledger, GrainFactory, _rules, clock);
        _keys = new AccountKeys(state, _rules);
        await _journal.LoadHeadAsync(cancellationToken);
        await RestoreReservationsAsync(cancellationToken);
        // Work a crash may have interrupted: transfers debited but not confirmed, a referral not yet paid.
        if (_transfers.HasPending)
        {
            ResendPendingTransfers();
        }
        if (_signUp.ReferralDue)
        {
            await _signUp.PayReferralAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The reservations stay stored, and the next activation counts them again: those admitted a moment ago
        // are committed (or found not to be) before this activation goes.
        foreach (var commit in _reserving.Values.ToList())
        {
            try
            {
                await commit;
            }
            catch (Exception)
            {
                // Logged by ForgetUnlessDurableAsync; its edge hears that the call was not reserved.
            }
        }
        // So are the marks of calls that started, which the next activation reads back with the reservations.
        await WriteStartsBehindAsync();
        metrics.ReservationsHandedOff(_reservations.Count);
    }

    public Task<AccountView> OpenAsync(string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return SeriallyAsync(async () =>
        {
            await _signUp.OpenAsync(email);
            return View(clock.GetUtcNow());
        });
    }

    public Task<AccountView> SignUpAsync(string email, string? inviteCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return SeriallyAsync(async () =>
        {
            await _signUp.SignUpAsync(email, inviteCode);
            return View(clock.GetUtcNow());
        });
    }

    public Task<AccountView> GetAsync() => Task.FromResult(View(clock.GetUtcNow()));

    public Task<PostingResult> PostAsync(LedgerPosting posting)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var delta = DeltaOf(posting);
        return SeriallyAsync(() => PostOnceAsync(posting, delta));
    }

    private async Task<PostingResult> PostOnceAsync(LedgerPosting posting, Usd delta)
    {
        if (!Opened)
        {
            return new PostingResult(PostingOutcome.UnknownAccount, null, Usd.Zero);
        }

        var result = await _journal.BookAsync(posting.EntryId, posting.Kind, delta, posting.Reference, usage: null);
        if (posting.Kind == LedgerEntryKind.TopUp && _signUp.ReferralDue)
        {
            await _signUp.PayReferralAsync();
        }
        return result;
    }

    public Task<TransferResult> TransferAsync(TransferRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.TransferId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ToAccountId);
        if (!request.Amount.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "A transfer amount must be positive.");
        }
        return SeriallyAsync(async () =>
        {
            if (!Opened)
            {
                return new TransferResult(TransferOutcome.UnknownAccount, null, Usd.Zero);
            }
            var result = await _transfers.SendAsync(request, () => ExpireReservationsAsync(clock.GetUtcNow()), () => Available);
            EnsureTransferTimer();
            return result;
        });
    }

    public async Task ReceiveTransferAsync(TransferCredit credit)
    {
        ArgumentNullException.ThrowIfNull(credit);
        if (!Opened || !credit.Amount.IsPositive)
        {
            return;
        }
        await _transfers.ReceiveAsync(credit);
    }

    public Task ConfirmTransferAsync(string transferId) => SeriallyAsync(async () =>
    {
        await _transfers.ConfirmAsync(transferId);
        return true;
    });

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
            metrics.Refused(AdmissionOutcome.AccountDisabled);
            return new Admission(AdmissionOutcome.AccountDisabled, Usd.Zero, []);
        }

        await ExpireReservationsAsync(now);
        // From here to the reservation nothing awaits: the checks and the reservation are one step, which no
        // other admission or settlement interleaves.
        var decision = _reservations.Admit(request, now, Available, _devices);
        if (decision.Opened is not { } reservation)
        {
            if (decision.Outcome == AdmissionOutcome.DeviceLimit)
            {
                LogDeviceRefused(Id, request.Device, decision.ActiveDevices.Count);
            }
            if (decision.Outcome is AdmissionOutcome.DeviceLimit or AdmissionOutcome.InsufficientBalance)
            {
                metrics.Refused(decision.Outcome);
            }
            return new Admission(decision.Outcome, Available, decision.ActiveDevices);
        }

        if (decision.NewDevice)
        {
            _ = PersistDevicesAsync();
        }
        // The decision is the edge's at once; the reservation commits while the edge sends the call upstream, and
        // the edge forwards nothing of the answer before ConfirmReservationAsync says it is durable. So a silo
        // crash cannot forget a call whose answer reached anyone, even if its edge dies too and never settles it:
        // the reservation then expires by the rule (charged if started).
        var commit = _journal.OpenReservationAsync(new StoredReservation(request.CallId, reservation.Amount, reservation.Device, reservation.OpenedAt));
        _reserving[request.CallId] = commit;
        _ = ForgetUnlessDurableAsync(request.CallId, commit);
        EnsureExpiryTimer();
        return new Admission(AdmissionOutcome.Admitted, Available, ActiveDevices(now));
    }

    public async Task<bool> ConfirmReservationAsync(string callId)
    {
        if (_reserving.TryGetValue(callId, out var commit))
        {
            try
            {
                await commit;
            }
            catch (Exception)
            {
                // Logged once, by ForgetUnlessDurableAsync; the edge hears "not durable" and answers 503.
                return false;
            }
            return true;
        }
        return _reservations.IsOpen(callId);
    }

    /// <summary>A reservation whose commit failed reserves nothing any more: its call is refused by its edge.</summary>
    private async Task ForgetUnlessDurableAsync(string callId, Task commit)
    {
        try
        {
            await commit;
        }
        catch (Exception e)
        {
            _reservations.Close(callId);
            LogReservationNotDurable(e, Id, callId);
        }
        finally
        {
            _reserving.Remove(callId);
        }
    }

    public Task MarkStartedAsync(string callId)
    {
        if (_reservations.MarkStarted(callId))
        {
            // Not a commit of its own: the mark rides along with the account's next commit, or is written when
            // StartedWriteBehind has passed without one. A call settled sooner (most are) never writes it.
            _journal.MarkStartedBehind(callId);
            _startsTimer ??= this.RegisterGrainTimer(WriteStartsBehindAsync, new GrainTimerCreationOptions(_rules.StartedWriteBehind, Timeout.InfiniteTimeSpan));
        }
        return Task.CompletedTask;
    }

    private async Task WriteStartsBehindAsync()
    {
        _startsTimer?.Dispose();
        _startsTimer = null;
        try
        {
            await _journal.WriteStartsBehindAsync();
        }
        catch (Exception e)
        {
            // Started in memory, not in storage; the marks go with the next commit. Only if this activation is
            // lost first would their calls be released at expiry instead of charged.
            LogStartsNotPersisted(e, Id);
        }
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

        // The reservation closes now, in memory, so no other step sees it; it comes back if the commit fails.
        var now = clock.GetUtcNow();
        var reservation = _reservations.Close(settlement.CallId);
        if (reservation is { } closed)
        {
            _devices.Ended(closed.Device, now);
        }
        if (reservation is null && !settlement.Usage.Cost.IsPositive)
        {
            _reservations.RememberReleasedUnseen(settlement.CallId, now);
        }
        try
        {
            // The charge and the end of the stored reservation commit together.
            return settlement.Usage.Cost.IsPositive
                ? await _journal.BookAsync(CallEntryPrefix + settlement.CallId, LedgerEntryKind.UsageCharge, -settlement.Usage.Cost,
                    $"{settlement.Usage.Model} via {settlement.Usage.Channel}", settlement.Usage, closesReservation: settlement.CallId)
                : await _journal.CloseReservationAsync(settlement.CallId);
        }
        catch
        {
            if (reservation is { } unsettled)
            {
                Reopen(settlement.CallId, unsettled);
            }
            throw;
        }
    }

    public Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(long? beforeSequence, int limit) =>
        ledger.ReadAsync(Id, beforeSequence, limit);

    public Task<IReadOnlyList<LedgerEntry>> GetUsageAsync(UsageQuery query) => ledger.ReadUsageAsync(Id, query);

    public Task<IReadOnlyList<DailyUsage>> GetDailyUsageAsync(DateTimeOffset since, DateTimeOffset until) =>
        ledger.ReadDailyUsageAsync(Id, since, until);

    public Task<bool> AddKeyAsync(AccountKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SeriallyAsync(() => _keys.AddAsync(key));
    }

    public Task<IReadOnlyList<AccountKey>> ListKeysAsync() => Task.FromResult(_keys.List());

    public Task<bool> RevokeDeviceAsync(string device) => SeriallyAsync(async () =>
    {
        if (!_devices.Revoke(device))
        {
            return false;
        }
        await state.WriteStateAsync();
        return true;
    });

    public Task SetDisabledAsync(bool disabled) => SeriallyAsync(async () =>
    {
        if (state.State.Disabled != disabled)
        {
            state.State.Disabled = disabled;
            await state.WriteStateAsync();
        }
        return disabled;
    });

    /// <summary>
    /// Sends the credit of every unconfirmed transfer whose debit is booked, and keeps doing so on a timer until
    /// all are confirmed.
    /// </summary>
    private void ResendPendingTransfers()
    {
        _transfers.Resend();
        EnsureTransferTimer();
    }

    private void EnsureTransferTimer()
    {
        if (_transferTimer is null && _transfers.HasPending)
        {
            _transferTimer = this.RegisterGrainTimer(() => SeriallyAsync(ResendOrForgetAsync),
                new GrainTimerCreationOptions(_rules.TransferResendPeriod, _rules.TransferResendPeriod) { KeepAlive = true });
        }
    }

    private async Task<bool> ResendOrForgetAsync()
    {
        if (await _transfers.ResendOrForgetAsync())
        {
            return true;
        }
        _transferTimer?.Dispose();
        _transferTimer = null;
        return false;
    }

    private static Usd DeltaOf(LedgerPosting posting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(posting.EntryId);
        if (posting.EntryId.Length > 200)
        {
            throw new ArgumentException("An entry id is at most 200 characters.", nameof(posting));
        }
        if (posting.EntryId.StartsWith(CallEntryPrefix, StringComparison.Ordinal) || posting.EntryId.StartsWith(TransferOutbox.EntryPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Entry ids starting with '{CallEntryPrefix}' or '{TransferOutbox.EntryPrefix}' are Relay's own.", nameof(posting));
        }
        return posting.Kind switch
        {
            LedgerEntryKind.UsageCharge or LedgerEntryKind.ReservationExpiry or LedgerEntryKind.TransferOut or LedgerEntryKind.TransferIn =>
                throw new ArgumentException($"{posting.Kind} is booked by settling a call or by a transfer, not posted.", nameof(posting)),
            LedgerEntryKind.AdminAdjustment when posting.Amount == Usd.Zero =>
                throw new ArgumentOutOfRangeException(nameof(posting), "An adjustment is never zero."),
            LedgerEntryKind.AdminAdjustment => posting.Amount,
            _ when !posting.Amount.IsPositive =>
                throw new ArgumentOutOfRangeException(nameof(posting), $"A {posting.Kind} amount must be positive."),
            var kind when kind.IsDebit() => -posting.Amount,
            _ => posting.Amount,
        };
    }

    /// <summary>Runs one step of the account's non-money work at a time, as a non-interleaving grain would.</summary>
    private async Task<T> SeriallyAsync<T>(Func<Task<T>> work)
    {
        // A queue of turns: each step waits for the one before it (they run on the grain's one scheduler).
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _serialTail;
        _serialTail = turn.Task;
        try
        {
            await before;
            return await work();
        }
        finally
        {
            turn.SetResult();
        }
    }

    /// <summary>
    /// Charges every started reservation older than the timeout under its call's entry id (a settlement arriving
    /// later finds the call booked and charges nothing more), and releases those never started.
    /// </summary>
    private async Task ExpireReservationsAsync(DateTimeOffset now)
    {
        var expired = _reservations.TakeExpired(now);
        if (expired.Count == 0)
        {
            return;
        }
        var charges = expired.Select(r =>
            // A call whose upstream never answered is released: its edge died before the call reached a
            // provider (or before the provider answered), and the person got nothing.
            r.Reservation.Amount.IsPositive && r.Reservation.Started
                ? _journal.BookAsync(CallEntryPrefix + r.CallId, LedgerEntryKind.ReservationExpiry, -r.Reservation.Amount,
                    $"call {r.CallId} was not settled within {_rules.ReservationTimeout}", usage: null, closesReservation: r.CallId)
                : _journal.CloseReservationAsync(r.CallId)).ToList();
        try
        {
            await Task.WhenAll(charges);
        }
        catch
        {
            // Those not committed stay open, to expire on the next look.
            foreach (var ((callId, reservation), _) in expired.Zip(charges).Where(c => !c.Second.IsCompletedSuccessfully))
            {
                Reopen(callId, reservation);
            }
            throw;
        }
        foreach (var (callId, reservation) in expired)
        {
            if (reservation.Started)
            {
                LogReservationExpired(Id, callId, reservation.Amount.ToString());
            }
            else
            {
                LogReservationReleasedUnstarted(Id, callId);
            }
        }
    }

    /// <summary>Puts back a reservation whose closing did not commit.</summary>
    private void Reopen(string callId, Reservation reservation)
    {
        if (_reservations.Reopen(callId, reservation))
        {
            EnsureExpiryTimer();
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

    private List<DeviceActivity> ActiveDevices(DateTimeOffset now) => _devices.Active(now, _reservations.DevicesInFlight);

    /// <summary>
    /// Writes the account's state for a device first seen, off the admission's path. A device's activity is
    /// otherwise persisted with the next state write; while it has a call in flight, its reservation carries it.
    /// </summary>
    private async Task PersistDevicesAsync()
    {
        try
        {
            await SeriallyAsync(async () =>
            {
                await state.WriteStateAsync();
                return true;
            });
        }
        catch (Exception e)
        {
            LogDevicesNotPersisted(e, Id);
        }
    }

    /// <summary>Brings back the reservations of calls still in flight when the last activation ended.</summary>
    private async Task RestoreReservationsAsync(CancellationToken cancellation)
    {
        var stored = await ledger.ReadReservationsAsync(Id, cancellation);
        if (stored.Count == 0)
        {
            return;
        }
        // A call settled or expired has its entry; its row is left from a commit that closed nothing.
        var booked = await ledger.FindManyAsync(Id, stored.Select(r => CallEntryPrefix + r.CallId), cancellation);
        foreach (var reservation in stored)
        {
            if (booked.ContainsKey(CallEntryPrefix + reservation.CallId))
            {
                _ = _journal.CloseReservationAsync(reservation.CallId);
                continue;
            }
            _reservations.Restore(reservation);
            _devices.KnownSince(reservation.Device, reservation.OpenedAt);
        }
        if (_reservations.Count > 0)
        {
            EnsureExpiryTimer();
        }
    }

    private AccountView View(DateTimeOffset now) => new(
        Id, state.State.Email, _journal.Balance, _reservations.Reserved, _reservations.Count, state.State.Disabled,
        ActiveDevices(now), _journal.Sequence, state.State.OpenedAt,
        state.State.InviteCode, state.State.InvitedBy, state.State.ReferralRewardPaid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} refused device {Device}: {Active} devices active")]
    private partial void LogDeviceRefused(string accountId, string device, int active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} charged the reservation of unsettled call {CallId}: {Amount} USD")]
    private partial void LogReservationExpired(string accountId, string callId, string amount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} released unsettled call {CallId} at no charge: its upstream never answered")]
    private partial void LogReservationReleasedUnstarted(string accountId, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} could not store the reservation of call {CallId}; the call is refused")]
    private partial void LogReservationNotDurable(Exception exception, string accountId, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} could not store that its calls started; they go with its next commit")]
    private partial void LogStartsNotPersisted(Exception exception, string accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} could not persist a new device; it is persisted with the next state write")]
    private partial void LogDevicesNotPersisted(Exception exception, string accountId);
}
