using System.Diagnostics;

namespace Relay.Chaos;

/// <summary>Time since the run began: one clock for the log, the calls and the faults, so their order can be compared.</summary>
internal static class RunClock
{
    private static readonly Stopwatch s_watch = Stopwatch.StartNew();

    public static TimeSpan Now => s_watch.Elapsed;
}
