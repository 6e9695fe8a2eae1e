using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// How an edge stops without leaving an admitted call to its reservation's expiry. Once the host begins to
/// stop, the edge takes no new call; the calls it has open run on for <c>Relay:Shutdown:DrainTimeout</c>, after
/// which <see cref="DrainOver"/> cuts those still open, and each is settled with what was metered. Kestrel waits
/// for its requests, and so for their settlements; this service, stopped after Kestrel and before the Orleans
/// client, waits for the settlements posted in the background (releases of admissions whose answer was lost).
/// </summary>
public sealed partial class CallDrain(
    IHostApplicationLifetime lifetime, IOptions<RelayOptions> options, TimeProvider time, ILogger<CallDrain> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _over = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _settling = [];
    private TaskCompletionSource _idle = Idle(open: false);
    private int _open;
    private ITimer? _timer;
    private CancellationTokenRegistration _stopping;

    /// <summary>True from the moment the host begins to stop: new calls are refused.</summary>
    public bool IsDraining => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Cancelled when the drain time is over: the calls still open are cut.</summary>
    public CancellationToken DrainOver => _over.Token;

    /// <summary>Counts a call as open until the returned scope is disposed; null once the edge is draining.</summary>
    public OpenCall? TryOpen()
    {
        if (IsDraining)
        {
            return null;
        }
        lock (_gate)
        {
            if (_open++ == 0)
            {
                _idle = Idle(open: true);
            }
        }
        return new OpenCall(this);
    }

    /// <summary>Keeps the edge from stopping before a settlement posted in the background has ended.</summary>
    public void Track(Task settlement)
    {
        lock (_gate)
        {
            _settling.Add(settlement);
        }
        settlement.ContinueWith(
            static (done, state) =>
            {
                var drain = (CallDrain)state!;
                lock (drain._gate)
                {
                    drain._settling.Remove(done);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static state => ((CallDrain)state!).Begin(), this);
        return Task.CompletedTask;
    }

    /// <summary>Waits, within the host's shutdown timeout, until no call is open and no settlement is in flight.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] settling = [];
        try
        {
            // A call posts its settlement as it closes, so calls open now add settlements to wait for: look again
            // until no call is open and nothing is left to settle.
            while (true)
            {
                Task idle;
                lock (_gate)
                {
                    idle = _idle.Task;
                    settling = [.. _settling];
                }
                if (idle.IsCompleted && settling.Length == 0)
                {
                    break;
                }
                await Task.WhenAll(settling.Append(idle)).WaitAsync(cancellationToken);
            }
            LogDrained(logger);
        }
        catch (OperationCanceledException)
        {
            LogNotDrained(logger, Volatile.Read(ref _open), settling.Count(task => !task.IsCompleted));
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _timer?.Dispose();
        _over.Dispose();
    }

    private void Begin()
    {
        var drainFor = options.Value.Shutdown.DrainTimeout;
        LogDraining(logger, Volatile.Read(ref _open), drainFor);
        _timer = time.CreateTimer(static state => ((CallDrain)state!).Cut(), this, drainFor, Timeout.InfiniteTimeSpan);
    }

    private void Cut()
    {
        var open = Volatile.Read(ref _open);
        if (open > 0)
        {
            LogCutting(logger, open);
        }
        _over.Cancel();
    }

    private void Close()
    {
        lock (_gate)
        {
            if (--_open == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    /// <summary>Completes when no call is open: at once when none is now.</summary>
    private static TaskCompletionSource Idle(bool open)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!open)
        {
            idle.SetResult();
        }
        return idle;
    }

    [LoggerMessage(101, LogLevel.Information, "Edge stopping: {Open} calls open, drained for up to {DrainFor}")]
    private static partial void LogDraining(ILogger logger, int open, TimeSpan drainFor);

    [LoggerMessage(102, LogLevel.Warning, "Drain time over: cutting {Open} open calls, each settled with what was metered")]
    private static partial void LogCutting(ILogger logger, int open);

    [LoggerMessage(103, LogLevel.Information, "Edge drained: every call it admitted is settled")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(104, LogLevel.Error, "Edge stopped with {Open} calls open and {Settling} settlements in flight; their reservations will expire")]
    private static partial void LogNotDrained(ILogger logger, int open, int settling);

    /// <summary>One open call; disposing it closes the call.</summary>
    public sealed class OpenCall(CallDrain drain) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                drain.Close();
            }
        }
    }
}
