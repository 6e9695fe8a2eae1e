using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Cluster;

/// <summary>Two silo processes on loopback, clustered through Redis; one is killed with SIGKILL.</summary>
public sealed class SiloCrashTests : IAsyncLifetime
{
    private ProcessCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await _cluster!.DisposeAsync();

    [Fact]
    public async Task Every_acknowledged_entry_survives_a_kill_of_the_silo_hosting_the_account()
    {
        var account = _cluster!.Client.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("crash@example.com");

        // Credits and calls are booked one after another; each is retried with its own id until it is
        // acknowledged. Halfway, the account's silo is killed.
        const int Credits = 40;
        var credit = Usd.FromDecimal(0.25m);
        var charge = Usd.FromDecimal(0.01m);
        for (var i = 0; i < Credits; i++)
        {
            if (i == Credits / 2)
            {
                var victim = await _cluster.HostOfAsync(account);
                await victim.KillAsync();
                Assert.True(victim.HasExited);
            }
            AssertBooked(await ProcessCluster.UntilAnsweredAsync(() =>
                account.PostAsync(new LedgerPosting($"credit-{i}", LedgerEntryKind.TopUp, credit, ""))));
            AssertBooked(await ProcessCluster.UntilAnsweredAsync(async () =>
            {
                await account.AdmitAsync(new AdmissionRequest($"call-{i}", "laptop", charge));
                return await account.SettleAsync(new Settlement($"call-{i}", new UsageRecord("m", "c", new TokenUsage(1, 1), charge, false)));
            }));
        }

        var view = await account.GetAsync();
        var ledger = await account.GetLedgerAsync(null, 1000);
        Assert.Equal(Credits * 2, ledger.Count);
        Assert.Equal(Enumerable.Range(0, Credits).Select(i => $"credit-{i}").Order(),
            ledger.Where(e => e.Kind == LedgerEntryKind.TopUp).Select(e => e.EntryId).Order());
        Assert.Equal(Usd.FromDecimal(Credits * (0.25m - 0.01m)), view.Balance);
        Assert.Equal(view.Balance, ledger.Aggregate(Usd.Zero, (sum, e) => sum + e.Delta));
        Assert.Equal(Credits * 2, view.LedgerSequence);
    }

    private static void AssertBooked(PostingResult result) =>
        Assert.True(result.Outcome is PostingOutcome.Booked or PostingOutcome.AlreadyBooked, result.Outcome.ToString());
}
