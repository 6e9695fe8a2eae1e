using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Calls;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>The drain's own rules, on a fake clock: what it refuses, when it cuts, what it waits for.</summary>
public sealed class CallDrainTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Lifetime _lifetime = new();
    private readonly CallDrain _drain;

    public CallDrainTests()
    {
        var options = new RelayOptions { Shutdown = { DrainTimeout = TimeSpan.FromSeconds(10) } };
        _drain = new CallDrain(_lifetime, Options.Create(options), _time, NullLogger<CallDrain>.Instance);
    }

    public void Dispose()
    {
        _drain.Dispose();
        _lifetime.Dispose();
    }

    [Fact]
    public async Task A_stopping_edge_opens_no_new_call_and_cuts_the_open_ones_only_when_the_drain_time_is_over()
    {
        await _drain.StartAsync(CancellationToken.None);
        using var open = _drain.TryOpen();
        Assert.NotNull(open);

        _lifetime.StopApplication();

        Assert.True(_drain.IsDraining);
        Assert.Null(_drain.TryOpen());
        _time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.False(_drain.DrainOver.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_drain.DrainOver.IsCancellationRequested);
    }

    [Fact]
    public async Task Stopping_waits_until_every_open_call_has_closed()
    {
        await _drain.StartAsync(CancellationToken.None);
        var first = _drain.TryOpen()!;
        var second = _drain.TryOpen()!;
        _lifetime.StopApplication();

        var stopped = _drain.StopAsync(CancellationToken.None);
        first.Dispose();
        first.Dispose();
        Assert.False(stopped.IsCompleted);
        second.Dispose();

        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Stopping_waits_for_a_settlement_posted_in_the_background()
    {
        await _drain.StartAsync(CancellationToken.None);
        var settlement = new TaskCompletionSource();
        _drain.Track(settlement.Task);
        _lifetime.StopApplication();

        var stopped = _drain.StopAsync(CancellationToken.None);
        Assert.False(stopped.IsCompleted);
        settlement.SetResult();

        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Stopping_waits_for_the_settlement_a_call_posts_as_it_closes_after_the_stop_began()
    {
        await _drain.StartAsync(CancellationToken.None);
        var open = _drain.TryOpen()!;
        _lifetime.StopApplication();
        var stopped = _drain.StopAsync(CancellationToken.None);

        // The call ends its answer and hands its settlement to the background, as the relay does, then closes.
        var settlement = new TaskCompletionSource();
        _drain.Track(settlement.Task);
        open.Dispose();
        await Task.Yield();
        Assert.False(stopped.IsCompleted);
        settlement.SetResult();

        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Stopping_gives_up_waiting_when_the_hosts_shutdown_timeout_is_over()
    {
        await _drain.StartAsync(CancellationToken.None);
        using var open = _drain.TryOpen();
        _lifetime.StopApplication();
        using var timeout = new CancellationTokenSource();

        var stopped = _drain.StopAsync(timeout.Token);
        Assert.False(stopped.IsCompleted);
        await timeout.CancelAsync();

        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }
}
