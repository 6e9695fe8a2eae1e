using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using Orleans.Concurrency;
using Relay.Invites;
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
/// Admissions and settlements interleave: each decides in memory, in one uninterrupted step, then waits for
/// the <see cref="AccountJournal"/> to commit it, so the calls of a busy account share commits. Everything
/// else (opening, postings, transfers, keys, devices, the account's stored state) runs one at a time under
/// <see cref="SeriallyAsync"/>, as it would in a grain that does not interleave.
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

    /// <summary>Transfers book under this prefix: the sender by transfer id, the recipient by sender and transfer id.</summary>
    internal const string TransferEntryPrefix = "transfer:";

    private readonly Dictionary<string, Reservation> _reservations = [];

    /// <summary>
    /// Calls released before their admission arrived (an edge that lost an admission's answer releases it at
    /// once, and the release can overtake the admission), by when; a late admission of one reserves nothing.
    /// </summary>
    private readonly Dictionary<string, DateTimeOffset> _releasedUnseen = [];
    private readonly AccountOptions _rules = options.Value;
    private Task _serialTail = Task.CompletedTask;
    private AccountJournal _journal = null!;
    private Usd _reserved;
    private IGrainTimer? _expiryTimer;
    private IGrainTimer? _transferTimer;

    private string Id => this.GetPrimaryKeyString();

    private bool Opened => state.State.OpenedAt is not null;

    /// <summary>What admission may still spend: the balance less pending debits and open reservations.</summary>
    private Usd Available => _journal.Balance - _journal.PendingDebits - _reserved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new AccountJournal(Id, ledger, writer, clock, metrics);
        await _journal.LoadHeadAsync(cancellationToken);
        await RestoreReservationsAsync(cancellationToken);
        // Work a crash may have interrupted: transfers debited but not confirmed, a referral not yet paid.
        if (state.State.PendingTransfers.Count > 0)
        {
            ResendPendingTransfers();
        }
        if (state.State.InvitedBy is not null && !state.State.ReferralRewardPaid)
        {
            await PayReferralAsync();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The reservations stay stored; the next activation counts them again.
        metrics.ReservationsHandedOff(_reservations.Count);
        return Task.CompletedTask;
    }

    public Task<AccountView> OpenAsync(string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return SeriallyAsync(() => OpenOnceAsync(email));
    }

    private async Task<AccountView> OpenOnceAsync(string email)
    {
        if (!Opened)
        {
            state.State.Email = email.Trim();
            state.State.OpenedAt = clock.GetUtcNow();
            state.State.InviteCode = await ClaimInviteCodeAsync(GrainFactory, Id);
            await state.WriteStateAsync();
        }
        return View(clock.GetUtcNow());
    }

    public Task<AccountView> SignUpAsync(string email, string? inviteCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return SeriallyAsync(() => SignUpOnceAsync(email, inviteCode));
    }

    private async Task<AccountView> SignUpOnceAsync(string email, string? inviteCode)
    {
        if (!Opened)
        {
            string? inviter = null;
            if (!string.IsNullOrWhiteSpace(inviteCode))
            {
                inviter = await GrainFactory.GetGrain<IInviteCodeGrain>(inviteCode.Trim().ToUpperInvariant()).GetOwnerAsync();
                if (inviter is null || inviter == Id)
                {
                    throw new ArgumentException($"Invite code '{inviteCode}' does not exist.", nameof(inviteCode));
                }
            }
            state.State.InvitedBy = inviter;
            await OpenOnceAsync(email);
        }

        // Bonuses are booked under fixed entry ids, so signing up again (a retry) books nothing twice.
        if (Usd.FromDecimal(_rules.SignUpBonusUsd) is { IsPositive: true } bonus)
        {
            await _journal.BookAsync("signup-bonus", LedgerEntryKind.SignUpBonus, bonus, "sign-up bonus", usage: null);
        }
        if (state.State.InvitedBy is { } invitedBy && Usd.FromDecimal(_rules.InviteBonusUsd) is { IsPositive: true } inviteBonus)
        {
            await _journal.BookAsync("invite-bonus", LedgerEntryKind.InviteBonus, inviteBonus, $"invited by {invitedBy}", usage: null);
        }
        return View(clock.GetUtcNow());
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
        if (posting.Kind == LedgerEntryKind.TopUp && state.State.InvitedBy is not null && !state.State.ReferralRewardPaid)
        {
            await PayReferralAsync();
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
        return SeriallyAsync(() => TransferOnceAsync(request));
    }

    private async Task<TransferResult> TransferOnceAsync(TransferRequest request)
    {
        if (!Opened)
        {
            return new TransferResult(TransferOutcome.UnknownAccount, null, Usd.Zero);
        }
        if (request.ToAccountId == Id)
        {
            return new TransferResult(TransferOutcome.ToSelf, null, _journal.Balance);
        }

        var entryId = TransferEntryPrefix + request.TransferId;
        var booked = await ledger.FindAsync(Id, entryId);
        if (booked is not null)
        {
            // A retry: the debit is booked; make sure the credit is on its way.
            ResendPendingTransfers();
            return new TransferResult(TransferOutcome.Sent, booked, _journal.Balance);
        }

        var recipient = await GrainFactory.GetGrain<IAccountGrain>(request.ToAccountId).GetAsync();
        if (recipient.CreatedAt is null)
        {
            return new TransferResult(TransferOutcome.UnknownRecipient, null, _journal.Balance);
        }
        await ExpireReservationsAsync(clock.GetUtcNow());
        if (state.State.Disabled)
        {
            return new TransferResult(TransferOutcome.AccountDisabled, null, _journal.Balance);
        }
        if (Available < request.Amount)
        {
            return new TransferResult(TransferOutcome.InsufficientBalance, null, _journal.Balance);
        }

        // The intent is durable before the money moves, so a crash after the debit is resumed, not lost.
        state.State.PendingTransfers[request.TransferId] = new PendingTransfer
        {
            ToAccountId = request.ToAccountId,
            AmountNanos = request.Amount.Nanos,
            Note = request.Note,
        };
        await state.WriteStateAsync();
        if (Available < request.Amount)
        {
            // Calls settled meanwhile spent what the transfer was to take: nothing has moved yet.
            state.State.PendingTransfers.Remove(request.TransferId);
            await state.WriteStateAsync();
            return new TransferResult(TransferOutcome.InsufficientBalance, null, _journal.Balance);
        }
        var debit = await _journal.BookAsync(entryId, LedgerEntryKind.TransferOut, -request.Amount, $"to {request.ToAccountId}: {request.Note}", usage: null);
        if (_rules.CrashAfterTransferDebit)
        {
            Environment.FailFast("Relay:Accounts:CrashAfterTransferDebit is set (chaos testing)");
        }
        ResendPendingTransfers();
        return new TransferResult(TransferOutcome.Sent, debit.Entry, _journal.Balance);
    }

    public async Task ReceiveTransferAsync(TransferCredit credit)
    {
        ArgumentNullException.ThrowIfNull(credit);
        if (!Opened || !credit.Amount.IsPositive)
        {
            return;
        }
        await _journal.BookAsync($"{TransferEntryPrefix}{credit.FromAccountId}:{credit.TransferId}", LedgerEntryKind.TransferIn, credit.Amount,
            $"from {credit.FromAccountId}: {credit.Note}", usage: null);
        _ = GrainFactory.GetGrain<IAccountGrain>(credit.FromAccountId).ConfirmTransferAsync(credit.TransferId);
    }

    public Task ConfirmTransferAsync(string transferId) => SeriallyAsync(async () =>
    {
        if (state.State.PendingTransfers.Remove(transferId))
        {
            await state.WriteStateAsync();
        }
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
        if (_reservations.ContainsKey(request.CallId))
        {
            return new Admission(AdmissionOutcome.Admitted, Available, ActiveDevices(now));
        }
        if (_releasedUnseen.Remove(request.CallId))
        {
            return new Admission(AdmissionOutcome.AlreadyReleased, Available, ActiveDevices(now));
        }

        var active = ActiveDevices(now);
        ForgetIdleDevices(active);
        if (active.Count >= _rules.MaxDevices && !active.Any(d => d.Device == request.Device))
        {
            LogDeviceRefused(Id, request.Device, active.Count);
            metrics.Refused(AdmissionOutcome.DeviceLimit);
            return new Admission(AdmissionOutcome.DeviceLimit, Available, active);
        }

        // Admitted while anything is available: the reservation may take the available balance below zero,
        // and then nothing more is admitted. This is the overdraft bound (docs/accounts.md).
        if (Available <= Usd.Zero)
        {
            metrics.Refused(AdmissionOutcome.InsufficientBalance);
            return new Admission(AdmissionOutcome.InsufficientBalance, Available, active);
        }

        var reservation = new Reservation(request.Estimate, request.Device, now);
        _reservations[request.CallId] = reservation;
        _reserved += reservation.Amount;
        metrics.ReservationOpened();
        if (TouchDevice(request.Device, now))
        {
            _ = PersistDevicesAsync();
        }
        try
        {
            // Durable before the call goes upstream: a silo crash cannot forget a call in flight, whose edge
            // may die too and never settle it; the reservation then expires by the rule (charged if started).
            await _journal.OpenReservationAsync(new StoredReservation(request.CallId, reservation.Amount, reservation.Device, reservation.OpenedAt));
        }
        catch
        {
            CloseReservation(request.CallId);
            throw;
        }
        EnsureExpiryTimer();
        return new Admission(AdmissionOutcome.Admitted, Available, ActiveDevices(now));
    }

    public async Task MarkStartedAsync(string callId)
    {
        if (!_reservations.TryGetValue(callId, out var reservation) || reservation.Started)
        {
            return;
        }
        _reservations[callId] = reservation with { Started = true };
        try
        {
            await _journal.MarkStartedAsync(callId);
        }
        catch (Exception e)
        {
            // Started in memory, not in storage: only if this activation is lost too would the call be released.
            LogStartNotPersisted(e, Id, callId);
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
        var reservation = CloseReservation(settlement.CallId);
        if (reservation is { } closed && state.State.Devices.TryGetValue(closed.Device, out var device))
        {
            device.LastActive = now;
        }
        if (reservation is null && !settlement.Usage.Cost.IsPositive)
        {
            RememberReleasedUnseen(settlement.CallId, now);
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
        return SeriallyAsync(() => AddKeyOnceAsync(key));
    }

    private async Task<bool> AddKeyOnceAsync(AccountKey key)
    {
        if (state.State.Keys.ContainsKey(key.KeyId))
        {
            return true;
        }
        if (state.State.Keys.Count >= _rules.MaxKeys)
        {
            return false;
        }
        state.State.Keys[key.KeyId] = key;
        await state.WriteStateAsync();
        return true;
    }

    public Task<IReadOnlyList<AccountKey>> ListKeysAsync() =>
        Task.FromResult<IReadOnlyList<AccountKey>>(state.State.Keys.Values.OrderByDescending(k => k.CreatedAt).ToList());

    public Task<bool> RevokeDeviceAsync(string device) => SeriallyAsync(async () =>
    {
        if (!state.State.Devices.Remove(device))
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
    /// Sends the credit of every unconfirmed transfer whose debit is booked (one-way; the recipient books it
    /// once per sender and transfer id and confirms), and keeps doing so on a timer until all are confirmed.
    /// </summary>
    private void ResendPendingTransfers()
    {
        foreach (var (transferId, pending) in state.State.PendingTransfers)
        {
            _ = GrainFactory.GetGrain<IAccountGrain>(pending.ToAccountId)
                .ReceiveTransferAsync(new TransferCredit(Id, transferId, new Usd(pending.AmountNanos), pending.Note));
        }
        if (_transferTimer is null && state.State.PendingTransfers.Count > 0)
        {
            _transferTimer = this.RegisterGrainTimer(() => SeriallyAsync(ResendOrForgetAsync),
                new GrainTimerCreationOptions(_rules.TransferResendPeriod, _rules.TransferResendPeriod) { KeepAlive = true });
        }
    }

    private async Task<bool> ResendOrForgetAsync()
    {
        // An intent whose debit never got booked (a crash between the two writes) moved no money: forget it.
        foreach (var transferId in state.State.PendingTransfers.Keys.ToList())
        {
            if (await ledger.FindAsync(Id, TransferEntryPrefix + transferId) is null)
            {
                state.State.PendingTransfers.Remove(transferId);
                await state.WriteStateAsync();
            }
        }
        if (state.State.PendingTransfers.Count == 0)
        {
            _transferTimer?.Dispose();
            _transferTimer = null;
            return false;
        }
        ResendPendingTransfers();
        return true;
    }

    /// <summary>Credits the inviter its share of this account's first top-up, once.</summary>
    private async Task PayReferralAsync()
    {
        var first = await ledger.FirstOfKindAsync(Id, LedgerEntryKind.TopUp);
        if (first is null || state.State.InvitedBy is not { } inviter)
        {
            return;
        }
        var reward = new Usd((long)decimal.Floor(first.Delta.Nanos * _rules.ReferralRate));
        if (reward.IsPositive)
        {
            // The inviter books it under this account's id: paid once however often this runs.
            await GrainFactory.GetGrain<IAccountGrain>(inviter).PostAsync(new LedgerPosting(
                $"referral:{Id}", LedgerEntryKind.ReferralReward, reward, $"{_rules.ReferralRate:P0} of {Id}'s first top-up"));
        }
        state.State.ReferralRewardPaid = true;
        await state.WriteStateAsync();
    }

    private static async Task<string> ClaimInviteCodeAsync(IGrainFactory grains, string accountId)
    {
        const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true)
        {
            var code = string.Create(8, Alphabet, (chars, alphabet) =>
            {
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
                }
            });
            if (await grains.GetGrain<IInviteCodeGrain>(code).ClaimAsync(accountId) == accountId)
            {
                return code;
            }
        }
    }

    private static Usd DeltaOf(LedgerPosting posting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(posting.EntryId);
        if (posting.EntryId.Length > 200)
        {
            throw new ArgumentException("An entry id is at most 200 characters.", nameof(posting));
        }
        if (posting.EntryId.StartsWith(CallEntryPrefix, StringComparison.Ordinal) || posting.EntryId.StartsWith(TransferEntryPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Entry ids starting with '{CallEntryPrefix}' or '{TransferEntryPrefix}' are Relay's own.", nameof(posting));
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
    /// Charges every reservation older than the timeout, under its call's entry id: a settlement arriving
    /// later finds the call booked and charges nothing more.
    /// </summary>
    private async Task ExpireReservationsAsync(DateTimeOffset now)
    {
        if (_reservations.Count == 0)
        {
            return;
        }
        var expired = _reservations.Where(r => now - r.Value.OpenedAt >= _rules.ReservationTimeout).ToList();
        if (expired.Count == 0)
        {
            return;
        }
        var charges = expired.Select(r =>
        {
            CloseReservation(r.Key);
            // A call whose upstream never answered is released: its edge died before the call reached a
            // provider (or before the provider answered), and the person got nothing.
            return r.Value.Amount.IsPositive && r.Value.Started
                ? _journal.BookAsync(CallEntryPrefix + r.Key, LedgerEntryKind.ReservationExpiry, -r.Value.Amount,
                    $"call {r.Key} was not settled within {_rules.ReservationTimeout}", usage: null, closesReservation: r.Key)
                : _journal.CloseReservationAsync(r.Key);
        }).ToList();
        try
        {
            await Task.WhenAll(charges);
        }
        catch
        {
            // Those not committed stay open, to expire on the next look.
            foreach (var ((callId, reservation), charge) in expired.Zip(charges).Where(c => !c.Second.IsCompletedSuccessfully))
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

    /// <summary>Remembers a call released before its admission came, for as long as an admission could still come.</summary>
    private void RememberReleasedUnseen(string callId, DateTimeOffset now)
    {
        foreach (var stale in _releasedUnseen.Where(r => now - r.Value > _rules.ReservationTimeout).Select(r => r.Key).ToList())
        {
            _releasedUnseen.Remove(stale);
        }
        _releasedUnseen[callId] = now;
    }

    /// <summary>Takes a call's reservation out of the open ones; returns it, or null if it was not open.</summary>
    private Reservation? CloseReservation(string callId)
    {
        if (!_reservations.Remove(callId, out var reservation))
        {
            return null;
        }
        _reserved -= reservation.Amount;
        metrics.ReservationClosed();
        return reservation;
    }

    /// <summary>Puts back a reservation whose closing did not commit.</summary>
    private void Reopen(string callId, Reservation reservation)
    {
        if (_reservations.TryAdd(callId, reservation))
        {
            _reserved += reservation.Amount;
            metrics.ReservationOpened();
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

    private List<DeviceActivity> ActiveDevices(DateTimeOffset now)
    {
        var withOpenCalls = _reservations.Values.Select(r => r.Device).ToHashSet();
        return state.State.Devices
            .Where(d => now - d.Value.LastActive < _rules.DeviceIdleWindow || withOpenCalls.Contains(d.Key))
            .Select(d => new DeviceActivity(d.Key, d.Value.FirstSeen, d.Value.LastActive))
            .OrderBy(d => d.LastActive)
            .ToList();
    }

    /// <summary>
    /// Drops idle devices from memory; the next write of the account's state persists it (until then an idle
    /// device is simply idle again on the next look).
    /// </summary>
    private void ForgetIdleDevices(List<DeviceActivity> active)
    {
        var kept = active.Select(d => d.Device).ToHashSet();
        foreach (var device in state.State.Devices.Keys.Where(d => !kept.Contains(d)).ToList())
        {
            state.State.Devices.Remove(device);
        }
    }

    /// <summary>Marks a device active; true when the device is new to the account.</summary>
    private bool TouchDevice(string device, DateTimeOffset now)
    {
        if (state.State.Devices.TryGetValue(device, out var session))
        {
            session.LastActive = now;
            return false;
        }
        state.State.Devices[device] = new DeviceSession { FirstSeen = now, LastActive = now };
        return true;
    }

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
            _reservations[reservation.CallId] = new Reservation(reservation.Amount, reservation.Device, reservation.OpenedAt, reservation.Started);
            _reserved += reservation.Amount;
            metrics.ReservationOpened();
            if (!state.State.Devices.ContainsKey(reservation.Device))
            {
                state.State.Devices[reservation.Device] = new DeviceSession { FirstSeen = reservation.OpenedAt, LastActive = reservation.OpenedAt };
            }
        }
        if (_reservations.Count > 0)
        {
            EnsureExpiryTimer();
        }
    }

    private AccountView View(DateTimeOffset now) => new(
        Id, state.State.Email, _journal.Balance, _reserved, _reservations.Count, state.State.Disabled,
        ActiveDevices(now), _journal.Sequence, state.State.OpenedAt,
        state.State.InviteCode, state.State.InvitedBy, state.State.ReferralRewardPaid);

    private readonly record struct Reservation(Usd Amount, string Device, DateTimeOffset OpenedAt, bool Started = false);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} refused device {Device}: {Active} devices active")]
    private partial void LogDeviceRefused(string accountId, string device, int active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} charged the reservation of unsettled call {CallId}: {Amount} USD")]
    private partial void LogReservationExpired(string accountId, string callId, string amount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} released unsettled call {CallId} at no charge: its upstream never answered")]
    private partial void LogReservationReleasedUnstarted(string accountId, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} could not store that call {CallId} started")]
    private partial void LogStartNotPersisted(Exception exception, string accountId, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} could not persist a new device; it is persisted with the next state write")]
    private partial void LogDevicesNotPersisted(Exception exception, string accountId);
}
