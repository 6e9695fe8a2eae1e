namespace Relay.Simulator.Served;

/// <summary>The bounded, thread-safe record of calls served, oldest first.</summary>
public sealed class ServedCallLog(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ServedCall> _calls = new();
    private readonly List<(Func<ServedCall, bool> Match, TaskCompletionSource<ServedCall> Signal)> _waiters = [];

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public IReadOnlyList<ServedCall> Snapshot()
    {
        lock (_lock)
        {
            return [.. _calls];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    /// <summary>Completes with the first recorded call that matches, already recorded or recorded later.</summary>
    public Task<ServedCall> WaitForAsync(Func<ServedCall, bool> match, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_lock)
        {
            var found = _calls.FirstOrDefault(match);
            if (found is not null)
            {
                return Task.FromResult(found);
            }

            var signal = new TaskCompletionSource<ServedCall>(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiter = (match, signal);
            _waiters.Add(waiter);
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() =>
                {
                    lock (_lock)
                    {
                        _waiters.Remove(waiter);
                    }

                    signal.TrySetCanceled(cancellationToken);
                });
                _ = signal.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return signal.Task;
        }
    }

    internal void Add(ServedCall call)
    {
        List<TaskCompletionSource<ServedCall>> matched = [];
        lock (_lock)
        {
            _calls.AddLast(call);
            while (_calls.Count > Capacity)
            {
                _calls.RemoveFirst();
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(call))
                {
                    matched.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var signal in matched)
        {
            signal.TrySetResult(call);
        }
    }
}
