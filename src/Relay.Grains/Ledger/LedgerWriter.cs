using Npgsql;
using Relay.Accounts;

namespace Relay.Ledger;

/// <summary>
/// Group commit across the accounts of a silo. Each account grain already sends everything it has queued as
/// one batch; this writer puts the batches of many accounts that arrive together into one transaction, so
/// a silo busy with many accounts pays one commit for many of them. At most <see cref="MaxCommitsInFlight"/>
/// transactions are in flight; a batch that finds one free goes at once, so a lone call waits for no one.
/// </summary>
/// <remarks>
/// All or nothing per transaction, and one account's failure must not fail another's: when a shared
/// transaction fails on the database's say (a duplicate entry id, a split brain's sequence clash), each batch
/// is committed again on its own, and only the one at fault fails. When the outcome is unknown (the
/// connection broke), every batch in it fails and its grain reads its head again, as after a single commit.
/// </remarks>
public sealed class LedgerWriter(LedgerStore store, AccountMetrics metrics)
{
    public const int MaxCommitsInFlight = 4;

    /// <summary>Accounts per transaction at most, so one transaction stays small and quick.</summary>
    public const int MaxAccountsPerCommit = 256;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private int _inFlight;

    /// <summary>Commits one account's batch, with other accounts' batches when they arrive together.</summary>
    public Task CommitAsync(string accountId, JournalBatch batch)
    {
        var pending = new Pending(accountId, batch);
        lock (_gate)
        {
            _queue.Enqueue(pending);
            if (_inFlight == MaxCommitsInFlight)
            {
                return pending.Done.Task;
            }
            _inFlight++;
        }
        _ = Task.Run(DrainAsync);
        return pending.Done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Pending> together;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _inFlight--;
                    return;
                }
                together = new List<Pending>(Math.Min(_queue.Count, MaxAccountsPerCommit));
                while (together.Count < MaxAccountsPerCommit && _queue.TryDequeue(out var next))
                {
                    together.Add(next);
                }
            }
            await CommitTogetherAsync(together);
        }
    }

    private async Task CommitTogetherAsync(List<Pending> together)
    {
        try
        {
            await store.CommitAsync([.. together.Select(p => (p.AccountId, p.Batch))]);
            metrics.CommittedTogether(together.Count);
            foreach (var pending in together)
            {
                pending.Done.TrySetResult();
            }
        }
        catch (Exception e) when (together.Count > 1 && e is DuplicateEntryException or PostgresException)
        {
            // The database refused something in it: find whose, by committing each on its own.
            await Task.WhenAll(together.Select(CommitAloneAsync));
        }
        catch (Exception e)
        {
            foreach (var pending in together)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private async Task CommitAloneAsync(Pending pending)
    {
        try
        {
            await store.CommitAsync(pending.AccountId, pending.Batch);
            metrics.CommittedTogether(1);
            pending.Done.TrySetResult();
        }
        catch (Exception e)
        {
            pending.Done.TrySetException(e);
        }
    }

    private sealed record Pending(string AccountId, JournalBatch Batch)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
