using System.Collections.Concurrent;
using Relay.EdgeApi.Calls;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>Records every settlement the edge posts, so a test can await a call's settlement instead of sleeping.</summary>
public sealed class SettlementLog : ISettlementObserver
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<SettledCall>> _byAccount = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changed = new();

    public void OnSettled(SettledCall settled)
    {
        _byAccount.GetOrAdd(settled.AccountId, _ => new()).Enqueue(settled);
        if (_changed.TryRemove(settled.AccountId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    public IReadOnlyList<SettledCall> For(string accountId) =>
        _byAccount.TryGetValue(accountId, out var calls) ? [.. calls] : [];

    /// <summary>Completes once the account has at least <paramref name="count"/> settled calls.</summary>
    public async Task<IReadOnlyList<SettledCall>> WaitForAsync(string accountId, int count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var changed = _changed.GetOrAdd(accountId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var calls = For(accountId);
            if (calls.Count >= count)
            {
                return calls;
            }
            await changed.Task.WaitAsync(deadline.Token);
        }
    }
}
