using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Relay.EdgeApi.Tests.Telemetry;

/// <summary>
/// Activities as they end, so a test can await the span it needs and then read the rest of its trace: every
/// activity in the process while the log is open, or (<see cref="Exported"/>) only what one tracer provider
/// exports. Tests select by trace id: other tests may run alongside.
/// </summary>
public sealed class ActivityLog : IDisposable
{
    private readonly ActivityListener? _listener;
    private readonly ConcurrentQueue<Activity> _ended = new();
    private readonly ConcurrentDictionary<TaskCompletionSource<Activity>, Func<Activity, bool>> _waiters = new();

    /// <summary>Every activity of every source in the process, sampled in full while the log is open.</summary>
    public ActivityLog()
        : this(listenToProcess: true)
    {
    }

    private ActivityLog(bool listenToProcess)
    {
        if (!listenToProcess)
        {
            return;
        }
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Ended,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A log fed only by the returned processor: add it to a tracer provider to see what that provider exports.</summary>
    public static (ActivityLog Log, BaseProcessor<Activity> Processor) Exported()
    {
        var log = new ActivityLog(listenToProcess: false);
        return (log, new Feed(log));
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

    public void Dispose() => _listener?.Dispose();

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

    private sealed class Feed(ActivityLog log) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => log.Ended(data);
    }
}
