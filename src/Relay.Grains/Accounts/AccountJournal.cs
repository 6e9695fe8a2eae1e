using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// Group commit for one account: the ledger entries it books and the reservations it opens and closes are
/// queued, and everything queued while one transaction is in flight goes out together in the next one. A
/// lone call waits for exactly one commit; a busy account pays one commit for many calls. Nobody hears
/// "done" before the transaction holding their operation has committed.
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an <see cref="AccountGrain"/> activation and runs on its
/// scheduler, which runs one piece of the grain at a time. Sequence numbers and balances are given at commit
/// time, from the committed head, so a failed transaction leaves nothing to undo in memory.
/// </remarks>
internal sealed class AccountJournal(string accountId, LedgerStore store, LedgerWriter writer, TimeProvider clock, AccountMetrics metrics)
{
    private readonly Dictionary<string, Task<PostingResult>> _pendingEntries = new(StringComparer.Ordinal);

    /// <summary>Calls marked started whose mark no commit has carried yet.</summary>
    private readonly HashSet<string> _startsBehind = new(StringComparer.Ordinal);
    private List<Operation> _queue = [];
    private bool _flushing;
    private bool _headKnown;

    /// <summary>The sequence number of the newest committed entry.</summary>
    public long Sequence { get; private set; }

    /// <summary>The balance after the newest committed entry.</summary>
    public Usd Balance { get; private set; }

    /// <summary>Debits queued or in flight, not yet committed (as a positive amount).</summary>
    public Usd PendingDebits { get; private set; }

    public async Task LoadHeadAsync(CancellationToken cancellation)
    {
        (Sequence, Balance) = await store.HeadAsync(accountId, cancellation);
        _headKnown = true;
    }

    /// <summary>
    /// Books an entry under its id, closing a reservation in the same transaction when one is named. An id
    /// already booked (or queued) is not booked again: the result is the first entry, <c>AlreadyBooked</c>.
    /// </summary>
    public Task<PostingResult> BookAsync(
        string entryId, LedgerEntryKind kind, Usd delta, string reference, UsageRecord? usage, string? closesReservation = null)
    {
        if (_pendingEntries.TryGetValue(entryId, out var first))
        {
            return AsRepeatAsync(first);
        }
        if (closesReservation is not null)
        {
            _startsBehind.Remove(closesReservation);
        }
        var operation = new Operation(new Draft(entryId, kind, delta, reference, usage), Opens: null, Starts: null, closesReservation);
        var done = Enqueue(operation);
        _pendingEntries[entryId] = done;
        if (delta < Usd.Zero)
        {
            PendingDebits -= delta;
        }
        return done;
    }

    /// <summary>Makes a reservation durable.</summary>
    public Task OpenReservationAsync(StoredReservation reservation) =>
        Enqueue(new Operation(Draft: null, reservation, Starts: null, Closes: null));

    /// <summary>
    /// Records that a reserved call's upstream has answered with the account's next commit, whatever that holds;
    /// <see cref="WriteStartsBehindAsync"/> commits what no other commit has carried. Closing the reservation first
    /// makes the mark moot: it is then never written.
    /// </summary>
    public void MarkStartedBehind(string callId) => _startsBehind.Add(callId);

    /// <summary>Commits the started marks no other commit has carried yet (none: nothing is written).</summary>
    public Task WriteStartsBehindAsync() =>
        _startsBehind.Count == 0 ? Task.CompletedTask : Enqueue(new Operation(Draft: null, Opens: null, Starts: null, Closes: null));

    /// <summary>Closes a reservation with no entry (a call that cost nothing).</summary>
    public Task<PostingResult> CloseReservationAsync(string callId)
    {
        _startsBehind.Remove(callId);
        return Enqueue(new Operation(Draft: null, Opens: null, Starts: null, callId));
    }

    private static async Task<PostingResult> AsRepeatAsync(Task<PostingResult> first)
    {
        var result = await first;
        return result with { Outcome = PostingOutcome.AlreadyBooked };
    }

    private Task<PostingResult> Enqueue(Operation operation)
    {
        _queue.Add(operation);
        if (!_flushing)
        {
            _flushing = true;
            _ = FlushAsync();
        }
        return operation.Done.Task;
    }

    /// <summary>Commits what is queued, then what queued up meanwhile, until nothing is left.</summary>
    private async Task FlushAsync()
    {
        try
        {
            while (_queue.Count > 0)
            {
                var batch = _queue;
                _queue = [];
                await CommitAsync(batch);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task CommitAsync(List<Operation> batch)
    {
        // The started marks waiting for a commit ride along with this one.
        List<string> startsBehind = [.. _startsBehind];
        _startsBehind.Clear();
        try
        {
            if (!_headKnown)
            {
                await LoadHeadAsync(CancellationToken.None);
            }
            var booked = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
            while (true)
            {
                var (entries, sequence, balance) = Number(batch, booked);
                try
                {
                    await writer.CommitAsync(accountId, new JournalBatch(
                        [.. batch.Where(o => o.Opens is not null).Select(o => o.Opens!)],
                        [.. batch.Where(o => o.Starts is not null).Select(o => o.Starts!), .. startsBehind],
                        [.. batch.Where(o => o.Closes is not null).Select(o => o.Closes!)],
                        entries));
                    (Sequence, Balance) = (sequence, balance);
                    break;
                }
                catch (DuplicateEntryException)
                {
                    // Retries of entries booked before: find them, and commit the rest without them.
                    var found = await store.FindManyAsync(accountId, entries.Select(e => e.EntryId));
                    if (found.Count == 0)
                    {
                        throw;
                    }
                    foreach (var (entryId, entry) in found)
                    {
                        booked[entryId] = entry;
                    }
                }
            }
            metrics.Committed(batch.Count);
            foreach (var operation in batch)
            {
                Finish(operation, booked);
            }
        }
        catch (Exception e)
        {
            // The outcome may be unknown (a connection lost at commit): read the head again before the next
            // batch. A retry under the same entry id finds its entry if it was written.
            _headKnown = false;
            // Not written: they wait for the next commit (a reservation closed meanwhile makes its mark moot).
            foreach (var callId in startsBehind)
            {
                _startsBehind.Add(callId);
            }
            foreach (var operation in batch)
            {
                Forget(operation);
                operation.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Gives the batch's new entries their sequence numbers and balances, from the committed head.</summary>
    private (List<LedgerEntry> Entries, long Sequence, Usd Balance) Number(List<Operation> batch, Dictionary<string, LedgerEntry> booked)
    {
        var entries = new List<LedgerEntry>();
        var (sequence, balance) = (Sequence, Balance);
        var now = clock.GetUtcNow();
        foreach (var operation in batch)
        {
            operation.Entry = null;
            if (operation.Draft is { } draft && !booked.ContainsKey(draft.EntryId))
            {
                sequence++;
                balance += draft.Delta;
                operation.Entry = new LedgerEntry(sequence, draft.EntryId, draft.Kind, draft.Delta, balance, now, draft.Reference, draft.Usage);
                entries.Add(operation.Entry);
            }
        }
        return (entries, sequence, balance);
    }

    private void Finish(Operation operation, Dictionary<string, LedgerEntry> booked)
    {
        Forget(operation);
        if (operation.Entry is { } entry)
        {
            metrics.Booked(entry.Kind, entry.Delta);
            operation.Done.TrySetResult(new PostingResult(PostingOutcome.Booked, entry, entry.BalanceAfter));
        }
        else if (operation.Draft is { } draft)
        {
            operation.Done.TrySetResult(new PostingResult(PostingOutcome.AlreadyBooked, booked[draft.EntryId], Balance));
        }
        else
        {
            operation.Done.TrySetResult(new PostingResult(PostingOutcome.Released, null, Balance));
        }
    }

    private void Forget(Operation operation)
    {
        if (operation.Draft is { } draft)
        {
            _pendingEntries.Remove(draft.EntryId);
            if (draft.Delta < Usd.Zero)
            {
                PendingDebits += draft.Delta;
            }
        }
    }

    private sealed record Draft(string EntryId, LedgerEntryKind Kind, Usd Delta, string Reference, UsageRecord? Usage);

    private sealed record Operation(Draft? Draft, StoredReservation? Opens, string? Starts, string? Closes)
    {
        public TaskCompletionSource<PostingResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The entry this operation books in the transaction being tried; null if none.</summary>
        public LedgerEntry? Entry { get; set; }
    }
}
