using System.Collections.Concurrent;
using System.Diagnostics;

namespace Relay.EdgeApi.Tests.Telemetry;

/// <summary>
/// Every activity that ends in this process while the log is open, from every source, so a test can await the
/// span it needs and then read the rest of its trace. Tests select by trace id: other tests may run alongside.
/// </summary>
public sealed class ActivityLog : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _ended = new();
    private readonly ConcurrentDictionary<TaskCompletionSource<Activity>, Func<Activity, bool>> _waiters = new();

    public ActivityLog()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Ended,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _ended.Where(activity => activity.TraceId == traceId)];

    /// <summary>Completes with the first ended activity that matches, whether it ended before or after this call.</summary>
    public Task<Activity> WaitForAsync(Func<Activity, bool> match, TimeSpan? timeout = null)
    {
        var waiter = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[waiter] = match;
        if (_ended.FirstOrDefault(match) is { } already)
        {
            _waiters.TryRemove(waiter, out _);
            waiter.TrySetResult(already);
        }
        return waiter.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public void Dispose() => _listener.Dispose();

    private void Ended(Activity activity)
    {
        _ended.Enqueue(activity);
        foreach (var (waiter, match) in _waiters)
        {
            if (match(activity) && _waiters.TryRemove(waiter, out _))
            {
                waiter.TrySetResult(activity);
            }
        }
    }
}
