using System.Diagnostics;
using System.Globalization;

namespace Relay.Chaos.Faults;

/// <summary>
/// The faults of a run, each fired when the call with a given number starts, so that it hits calls in flight.
/// Triggers are counted in calls, not seconds, so a slow machine runs the same story more slowly. A fault that
/// takes long (a restart) lets a few more calls start, then holds the next ones until it is done: every fault
/// happens under load, and every later fault after it.
/// </summary>
internal sealed class FaultSchedule
{
    private readonly List<Fault> _faults;
    private readonly int _grace;

    private FaultSchedule(List<Fault> faults, int grace)
    {
        _faults = faults;
        _grace = grace;
    }

    public IReadOnlyList<Fault> Faults => _faults;

    /// <summary>
    /// Parses "FRACTION COMMAND ARGS; ..." (fractions of <paramref name="maxCalls"/>), e.g. "0.1 kill-silo 1; 0.2 restart-silo 1".
    /// </summary>
    public static FaultSchedule Parse(string spec, int maxCalls)
    {
        var faults = new List<Fault>();
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var fraction = decimal.Parse(words[0], CultureInfo.InvariantCulture);
            var trigger = Math.Max(1, (int)Math.Round(fraction * maxCalls));
            faults.Add(new Fault(trigger, string.Join(' ', words.Skip(1))));
        }
        if (faults.Zip(faults.Skip(1)).Any(p => p.First.Trigger >= p.Second.Trigger))
        {
            throw new ArgumentException($"Fault triggers must increase: {spec}");
        }
        return new FaultSchedule(faults, Math.Max(4, maxCalls / 16));
    }

    /// <summary>Called as call <paramref name="number"/> starts: fires the fault it triggers, then waits while an unfinished fault holds it.</summary>
    public async Task<bool> AdmitAsync(int number, CancellationToken cancellation)
    {
        foreach (var fault in _faults)
        {
            if (number >= fault.Trigger)
            {
                fault.Fire();
            }
            if (number >= fault.Trigger + _grace && !fault.Done.IsCompleted)
            {
                try
                {
                    await fault.Done.WaitAsync(cancellation);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>The edges killed during the run: which (0-based), when the kill began, and when the edge was back (or null).</summary>
    public IReadOnlyList<EdgeOutage> EdgeOutages()
    {
        var outages = new List<EdgeOutage>();
        foreach (var kill in _faults.Where(f => f.Verb == "kill-edge" && f.StartedAt is not null))
        {
            var restart = _faults.FirstOrDefault(f => f.Verb == "restart-edge" && f.Target == kill.Target && f.Trigger > kill.Trigger && f.EndedAt is not null);
            outages.Add(new EdgeOutage(kill.Target - 1, kill.StartedAt!.Value, kill.EndedAt ?? kill.StartedAt!.Value, restart?.EndedAt));
        }
        return outages;
    }

    /// <summary>
    /// Runs each fault once it fires, in order, until all ran or the run ends: through the control script, or through
    /// <paramref name="steps"/> for the run's own steps (such as <c>await-settlements</c>).
    /// </summary>
    public async Task RunAsync(string control, IReadOnlyDictionary<string, Func<Task<bool>>> steps, Action<string> log, CancellationToken cancellation)
    {
        foreach (var fault in _faults)
        {
            try
            {
                await fault.Fired.WaitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await fault.RunAsync(control, steps, log);
        }
    }
}

/// <summary>An edge that was killed (between <see cref="KillFrom"/> and <see cref="KilledBy"/>) and when it was back, if it was.</summary>
internal sealed record EdgeOutage(int Edge, TimeSpan KillFrom, TimeSpan KilledBy, TimeSpan? BackAt);

/// <summary>One fault: the call number that fires it and the control script command that performs it.</summary>
internal sealed class Fault(int trigger, string command)
{
    private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Trigger => trigger;

    public string Command => command;

    public Task Fired => _fired.Task;

    public Task Done => _done.Task;

    /// <summary>The command's first word, e.g. <c>kill-edge</c>.</summary>
    public string Verb => command.Split(' ')[0];

    /// <summary>The command's number argument (a silo or an edge, from 1), or 0.</summary>
    public int Target => command.Split(' ') is [_, var n, ..] && int.TryParse(n, CultureInfo.InvariantCulture, out var i) ? i : 0;

    public TimeSpan? StartedAt { get; private set; }

    public TimeSpan? EndedAt { get; private set; }

    public TimeSpan Took => EndedAt - StartedAt ?? TimeSpan.Zero;

    /// <summary>Null until it ran; then 0 when the command succeeded.</summary>
    public int? ExitCode { get; private set; }

    public void Fire() => _fired.TrySetResult();

    public async Task RunAsync(string control, IReadOnlyDictionary<string, Func<Task<bool>>> steps, Action<string> log)
    {
        StartedAt = RunClock.Now;
        log($"fault at call {trigger}: {command}");
        try
        {
            if (steps.TryGetValue(command, out var step))
            {
                ExitCode = await step() ? 0 : 1;
                return;
            }
            var info = new ProcessStartInfo("bash", ["-c", $"{control} {command}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            ExitCode = process.ExitCode;
            foreach (var line in ((await output) + (await errors)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                log("  " + line);
            }
        }
        finally
        {
            EndedAt = RunClock.Now;
            ExitCode ??= -1;
            log($"fault '{command}' done in {Took.TotalSeconds:0.0}s, exit {ExitCode}");
            _done.TrySetResult();
        }
    }
}
