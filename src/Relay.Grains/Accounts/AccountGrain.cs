using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using Relay.Invites;
using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// The single writer of one account's money. The balance lives in the ledger table: every posting is one
/// row carrying its sequence number and the balance after it, inserted before the caller hears "booked".
/// On activation the grain reads the newest row, so after a crash at any point its balance agrees with its
/// ledger. Reservations of calls in flight are written with the grain's state at admission, so a crash
/// forgets none of them: each is settled, or expires into its charge (docs/accounts.md).
/// </summary>
internal sealed partial class AccountGrain(
    [PersistentState("account", RelayStorage.Name)] IPersistentState<AccountState> state,
    LedgerStore ledger,
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
    private readonly AccountOptions _rules = options.Value;
    private Usd _balance;
    private long _sequence;
    private bool _headKnown;
    private Usd _reserved;
    private IGrainTimer? _expiryTimer;
    private IGrainTimer? _transferTimer;

    private string Id => this.GetPrimaryKeyString();

    private bool Opened => state.State.OpenedAt is not null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadHeadAsync(cancellationToken);
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

    public async Task<AccountView> OpenAsync(string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        if (!Opened)
        {
            state.State.Email = email.Trim();
            state.State.OpenedAt = clock.GetUtcNow();
            state.State.InviteCode = await ClaimInviteCodeAsync(GrainFactory, Id);
            await state.WriteStateAsync();
        }
        return View(clock.GetUtcNow());
    }

    public async Task<AccountView> SignUpAsync(string email, string? inviteCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
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
            await OpenAsync(email);
        }

        // Bonuses are booked under fixed entry ids, so signing up again (a retry) books nothing twice.
        if (Usd.FromDecimal(_rules.SignUpBonusUsd) is { IsPositive: true } bonus)
        {
            await BookAsync("signup-bonus", LedgerEntryKind.SignUpBonus, bonus, "sign-up bonus", usage: null);
        }
        if (state.State.InvitedBy is { } invitedBy && Usd.FromDecimal(_rules.InviteBonusUsd) is { IsPositive: true } inviteBonus)
        {
            await BookAsync("invite-bonus", LedgerEntryKind.InviteBonus, inviteBonus, $"invited by {invitedBy}", usage: null);
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

        var result = await BookAsync(posting.EntryId, posting.Kind, delta, posting.Reference, usage: null);
        if (posting.Kind == LedgerEntryKind.TopUp && state.State.InvitedBy is not null && !state.State.ReferralRewardPaid)
        {
            await PayReferralAsync();
        }
        return result;
    }

    public async Task<TransferResult> TransferAsync(TransferRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.TransferId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ToAccountId);
        if (!request.Amount.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "A transfer amount must be positive.");
        }
        if (!Opened)
        {
            return new TransferResult(TransferOutcome.UnknownAccount, null, Usd.Zero);
        }
        if (request.ToAccountId == Id)
        {
            return new TransferResult(TransferOutcome.ToSelf, null, _balance);
        }

        var entryId = TransferEntryPrefix + request.TransferId;
        var booked = await ledger.FindAsync(Id, entryId);
        if (booked is not null)
        {
            // A retry: the debit is booked; make sure the credit is on its way.
            ResendPendingTransfers();
            return new TransferResult(TransferOutcome.Sent, booked, _balance);
        }

        var recipient = await GrainFactory.GetGrain<IAccountGrain>(request.ToAccountId).GetAsync();
        if (recipient.CreatedAt is null)
        {
            return new TransferResult(TransferOutcome.UnknownRecipient, null, _balance);
        }
        await ExpireReservationsAsync(clock.GetUtcNow());
        if (state.State.Disabled)
        {
            return new TransferResult(TransferOutcome.AccountDisabled, null, _balance);
        }
        if (_balance - _reserved < request.Amount)
        {
            return new TransferResult(TransferOutcome.InsufficientBalance, null, _balance);
        }

        // The intent is durable before the money moves, so a crash after the debit is resumed, not lost.
        state.State.PendingTransfers[request.TransferId] = new PendingTransfer
        {
            ToAccountId = request.ToAccountId,
            AmountNanos = request.Amount.Nanos,
            Note = request.Note,
        };
        await state.WriteStateAsync();
        var debit = await BookAsync(entryId, LedgerEntryKind.TransferOut, -request.Amount, $"to {request.ToAccountId}: {request.Note}", usage: null);
        if (_rules.CrashAfterTransferDebit)
        {
            Environment.FailFast("Relay:Accounts:CrashAfterTransferDebit is set (chaos testing)");
        }
        ResendPendingTransfers();
        return new TransferResult(TransferOutcome.Sent, debit.Entry, _balance);
    }

    public async Task ReceiveTransferAsync(TransferCredit credit)
    {
        ArgumentNullException.ThrowIfNull(credit);
        if (!Opened || !credit.Amount.IsPositive)
        {
            return;
        }
        await BookAsync($"{TransferEntryPrefix}{credit.FromAccountId}:{credit.TransferId}", LedgerEntryKind.TransferIn, credit.Amount,
            $"from {credit.FromAccountId}: {credit.Note}", usage: null);
        _ = GrainFactory.GetGrain<IAccountGrain>(credit.FromAccountId).ConfirmTransferAsync(credit.TransferId);
    }

    public async Task ConfirmTransferAsync(string transferId)
    {
        if (state.State.PendingTransfers.Remove(transferId))
        {
            await state.WriteStateAsync();
        }
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
            metrics.Refused(AdmissionOutcome.AccountDisabled);
            return new Admission(AdmissionOutcome.AccountDisabled, Usd.Zero, []);
        }

        await ExpireReservationsAsync(now);
        if (_reservations.ContainsKey(request.CallId))
        {
            return new Admission(AdmissionOutcome.Admitted, _balance - _reserved, ActiveDevices(now));
        }

        ForgetIdleDevices(now);
        var active = ActiveDevices(now);
        if (active.Count >= _rules.MaxDevices && !active.Any(d => d.Device == request.Device))
        {
            LogDeviceRefused(Id, request.Device, active.Count);
            metrics.Refused(AdmissionOutcome.DeviceLimit);
            return new Admission(AdmissionOutcome.DeviceLimit, _balance - _reserved, active);
        }

        // Admitted while anything is available: the reservation may take the available balance below zero,
        // and then nothing more is admitted. This is the overdraft bound (docs/accounts.md).
        if (_balance - _reserved <= Usd.Zero)
        {
            metrics.Refused(AdmissionOutcome.InsufficientBalance);
            return new Admission(AdmissionOutcome.InsufficientBalance, _balance - _reserved, active);
        }

        _reservations[request.CallId] = new Reservation(request.Estimate, request.Device, now);
        _reserved += request.Estimate;
        metrics.ReservationOpened();
        TouchDevice(request.Device, now);
        // Durable before the call goes upstream: a silo crash cannot forget a call in flight, whose edge may
        // die too and never settle it; the reservation then expires into its charge on the new activation.
        await WriteReservationsAsync();
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
            metrics.ReservationClosed();
            if (state.State.Devices.TryGetValue(reservation.Device, out var device))
            {
                device.LastActive = now;
            }
            if (result.Outcome == PostingOutcome.Released)
            {
                // No ledger entry marks this call settled, so the stored reservation must go now, or a
                // reactivation would bring it back and expire it into a charge for a call that cost nothing.
                await WriteReservationsAsync();
            }
        }
        return result;
    }

    public Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(long? beforeSequence, int limit) =>
        ledger.ReadAsync(Id, beforeSequence, limit);

    public Task<IReadOnlyList<LedgerEntry>> GetUsageAsync(UsageQuery query) => ledger.ReadUsageAsync(Id, query);

    public Task<IReadOnlyList<DailyUsage>> GetDailyUsageAsync(DateTimeOffset since, DateTimeOffset until) =>
        ledger.ReadDailyUsageAsync(Id, since, until);

    public async Task<bool> AddKeyAsync(AccountKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
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
            _transferTimer = this.RegisterGrainTimer(ResendOrForgetAsync,
                new GrainTimerCreationOptions(_rules.TransferResendPeriod, _rules.TransferResendPeriod) { KeepAlive = true });
        }
    }

    private async Task ResendOrForgetAsync()
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
            return;
        }
        ResendPendingTransfers();
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
        metrics.Booked(kind, delta);
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
            metrics.ReservationClosed();
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

    /// <summary>
    /// Drops idle devices from memory; the admission's state write persists it (a refused admission does not,
    /// which is harmless: an idle device is idle again on the next look).
    /// </summary>
    private void ForgetIdleDevices(DateTimeOffset now)
    {
        var active = ActiveDevices(now).Select(d => d.Device).ToHashSet();
        foreach (var device in state.State.Devices.Keys.Where(d => !active.Contains(d)).ToList())
        {
            state.State.Devices.Remove(device);
        }
    }

    /// <summary>Marks a device active (persisted with the admission's reservation).</summary>
    private void TouchDevice(string device, DateTimeOffset now)
    {
        if (state.State.Devices.TryGetValue(device, out var session))
        {
            session.LastActive = now;
            return;
        }
        state.State.Devices[device] = new DeviceSession { FirstSeen = now, LastActive = now };
    }

    /// <summary>Writes the open reservations (and the devices' activity) with the account's state.</summary>
    private async Task WriteReservationsAsync()
    {
        state.State.Reservations = _reservations.ToDictionary(
            r => r.Key,
            r => new OpenReservation { AmountNanos = r.Value.Amount.Nanos, Device = r.Value.Device, OpenedAt = r.Value.OpenedAt });
        await state.WriteStateAsync();
    }

    /// <summary>Brings back the reservations of calls still in flight when the last activation ended.</summary>
    private async Task RestoreReservationsAsync(CancellationToken cancellation)
    {
        foreach (var (callId, stored) in state.State.Reservations)
        {
            if (await ledger.FindAsync(Id, CallEntryPrefix + callId, cancellation) is not null)
            {
                continue;
            }
            _reservations[callId] = new Reservation(new Usd(stored.AmountNanos), stored.Device, stored.OpenedAt);
            _reserved += new Usd(stored.AmountNanos);
            metrics.ReservationOpened();
        }
        if (_reservations.Count > 0)
        {
            EnsureExpiryTimer();
        }
    }

    private AccountView View(DateTimeOffset now) => new(
        Id, state.State.Email, _balance, _reserved, _reservations.Count, state.State.Disabled,
        ActiveDevices(now), _sequence, state.State.OpenedAt,
        state.State.InviteCode, state.State.InvitedBy, state.State.ReferralRewardPaid);

    private readonly record struct Reservation(Usd Amount, string Device, DateTimeOffset OpenedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} refused device {Device}: {Active} devices active")]
    private partial void LogDeviceRefused(string accountId, string device, int active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} charged the reservation of unsettled call {CallId}: {Amount} USD")]
    private partial void LogReservationExpired(string accountId, string callId, string amount);
}
