using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// Transfers of one account, both sides. The sender writes its intent to the account's state before the debit
/// is booked, then sends the credit one-way and resends it until the recipient confirms; the recipient books
/// it once per sender and transfer id. So a crash between the debit and the credit delays the credit and never
/// loses or doubles it (docs/accounts.md).
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an account grain activation, whose queue of turns runs its
/// steps one at a time.
/// </remarks>
internal sealed class TransferOutbox(
    string accountId,
    IPersistentState<AccountState> state,
    AccountJournal journal,
    LedgerStore ledger,
    IGrainFactory grains,
    AccountOptions rules)
{
    /// <summary>Transfers book under this prefix: the sender by transfer id, the recipient by sender and transfer id.</summary>
    public const string EntryPrefix = "transfer:";

    /// <summary>Whether a transfer's credit is still waiting for the recipient's confirmation.</summary>
    public bool HasPending => state.State.PendingTransfers.Count > 0;

    /// <summary>
    /// Sends a transfer. <paramref name="expireReservations"/> runs before the balance is checked, and
    /// <paramref name="available"/> says what admission may still spend (read again after each await).
    /// </summary>
    public async Task<TransferResult> SendAsync(TransferRequest request, Func<Task> expireReservations, Func<Usd> available)
    {
        if (request.ToAccountId == accountId)
        {
            return new TransferResult(TransferOutcome.ToSelf, null, journal.Balance);
        }

        var entryId = EntryPrefix + request.TransferId;
        var booked = await ledger.FindAsync(accountId, entryId);
        if (booked is not null)
        {
            // A retry: the debit is booked; make sure the credit is on its way.
            Resend();
            return new TransferResult(TransferOutcome.Sent, booked, journal.Balance);
        }

        var recipient = await grains.GetGrain<IAccountGrain>(request.ToAccountId).GetAsync();
        if (recipient.CreatedAt is null)
        {
            return new TransferResult(TransferOutcome.UnknownRecipient, null, journal.Balance);
        }
        await expireReservations();
        if (state.State.Disabled)
        {
            return new TransferResult(TransferOutcome.AccountDisabled, null, journal.Balance);
        }
        if (available() < request.Amount)
        {
            return new TransferResult(TransferOutcome.InsufficientBalance, null, journal.Balance);
        }

        // The intent is durable before the money moves, so a crash after the debit is resumed, not lost.
        state.State.PendingTransfers[request.TransferId] = new PendingTransfer
        {
            ToAccountId = request.ToAccountId,
            AmountNanos = request.Amount.Nanos,
            Note = request.Note,
        };
        await state.WriteStateAsync();
        if (available() < request.Amount)
        {
            // Calls settled meanwhile spent what the transfer was to take: nothing has moved yet.
            state.State.PendingTransfers.Remove(request.TransferId);
            await state.WriteStateAsync();
            return new TransferResult(TransferOutcome.InsufficientBalance, null, journal.Balance);
        }
        var debit = await journal.BookAsync(entryId, LedgerEntryKind.TransferOut, -request.Amount, $"to {request.ToAccountId}: {request.Note}", usage: null);
        if (rules.CrashAfterTransferDebit)
        {
            Environment.FailFast("Relay:Accounts:CrashAfterTransferDebit is set (chaos testing)");
        }
        Resend();
        return new TransferResult(TransferOutcome.Sent, debit.Entry, journal.Balance);
    }

    /// <summary>Books a transfer's credit (once per sender and transfer id) and confirms it to the sender.</summary>
    public async Task ReceiveAsync(TransferCredit credit)
    {
        await journal.BookAsync($"{EntryPrefix}{credit.FromAccountId}:{credit.TransferId}", LedgerEntryKind.TransferIn, credit.Amount,
            $"from {credit.FromAccountId}: {credit.Note}", usage: null);
        _ = grains.GetGrain<IAccountGrain>(credit.FromAccountId).ConfirmTransferAsync(credit.TransferId);
    }

    /// <summary>The recipient booked the credit: forgets the intent.</summary>
    public async Task ConfirmAsync(string transferId)
    {
        if (state.State.PendingTransfers.Remove(transferId))
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>Sends the credit of every unconfirmed transfer (one-way; the recipient books it once and confirms).</summary>
    public void Resend()
    {
        foreach (var (transferId, pending) in state.State.PendingTransfers)
        {
            _ = grains.GetGrain<IAccountGrain>(pending.ToAccountId)
                .ReceiveTransferAsync(new TransferCredit(accountId, transferId, new Usd(pending.AmountNanos), pending.Note));
        }
    }

    /// <summary>
    /// Forgets the intents whose debit was never booked (a crash between the two writes moved no money), then
    /// resends the rest; false when nothing is left pending.
    /// </summary>
    public async Task<bool> ResendOrForgetAsync()
    {
        foreach (var transferId in state.State.PendingTransfers.Keys.ToList())
        {
            if (await ledger.FindAsync(accountId, EntryPrefix + transferId) is null)
            {
                state.State.PendingTransfers.Remove(transferId);
                await state.WriteStateAsync();
            }
        }
        if (!HasPending)
        {
            return false;
        }
        Resend();
        return true;
    }
}
