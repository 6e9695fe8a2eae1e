extern alias edge;

using System.Collections.Concurrent;
using edge::Relay.EdgeApi.Calls;

namespace Relay.Console.Tests.Support;

/// <summary>Hears every settlement the edge posts, so a test awaits a call's settlement instead of sleeping.</summary>
internal sealed class Settlements : ISettlementObserver
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SettledCall>> _calls = new();

    public void OnSettled(SettledCall settled) => Waiter(settled.CallId).TrySetResult(settled);

    public Task<SettledCall> ForAsync(string callId) => Waiter(callId).Task.WaitAsync(TimeSpan.FromSeconds(30));

    private TaskCompletionSource<SettledCall> Waiter(string callId) =>
        _calls.GetOrAdd(callId, _ => new TaskCompletionSource<SettledCall>(TaskCreationOptions.RunContinuationsAsynchronously));
}
