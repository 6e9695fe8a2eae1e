using System.Collections.Concurrent;
using Relay.Chaos.Faults;
using Relay.Chaos.Setup;

namespace Relay.Chaos.Load;

/// <summary>
/// Many concurrent clients, each using one account's key through its home edge, start numbered calls until the
/// budget is spent or the time is up. The fault schedule sees each call start and fires its faults in between.
/// </summary>
internal sealed class LoadRunner(StreamClient client, CallMix mix, FaultSchedule faults, IReadOnlyList<Tenant> tenants, int edges, Action<string> log)
{
    private static readonly TimeSpan s_refusedBalancePause = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_failurePause = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentBag<ClientCall> _calls = [];
    private int _started;
    private int _finished;

    public IReadOnlyCollection<ClientCall> Calls => _calls;

    public async Task RunAsync(int clients, int maxCalls, CancellationToken stopStarting, CancellationToken abort)
    {
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => ClientAsync(i, maxCalls, stopStarting, abort)));
    }

    private async Task ClientAsync(int index, int maxCalls, CancellationToken stopStarting, CancellationToken abort)
    {
        var tenant = tenants[index % tenants.Count];
        var homeEdge = index % edges;
        // Let the first calls of the clients start spread out rather than all at once.
        await Task.Delay(TimeSpan.FromMilliseconds(50 * index), abort);
        while (!stopStarting.IsCancellationRequested)
        {
            var number = Interlocked.Increment(ref _started);
            if (number > maxCalls || !await faults.AdmitAsync(number, stopStarting))
            {
                return;
            }
            var plan = mix.For(number, tenant.Poor);
            var call = await client.CallAsync(number, tenant.Index, tenant.Key, tenant.Device, homeEdge, plan, abort) with { FinishedAt = RunClock.Now };
            _calls.Add(call);
            if (call.Outcome is ClientOutcome.Refused or ClientOutcome.NoAnswer)
            {
                // A person reads the error before trying again; a refused balance is not retried in a tight loop.
                await Task.Delay(call.Status == 402 ? s_refusedBalancePause : s_failurePause, abort);
            }
            var finished = Interlocked.Increment(ref _finished);
            if (finished % 50 == 0)
            {
                log($"{finished} calls finished ({_calls.Count(c => c.Outcome == ClientOutcome.Complete)} complete)");
            }
        }
    }
}
