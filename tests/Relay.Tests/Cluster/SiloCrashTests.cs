using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Cluster;

/// <summary>Two silo processes on loopback, clustered through Redis; one is killed with SIGKILL.</summary>
public sealed class SiloCrashTests : IAsyncLifetime
{
    private const string ServiceId = "relay-tests";
    private readonly string _clusterId = "crash-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<SiloProcess> _silos = [];
    private IHost? _client;

    public async Task InitializeAsync()
    {
        var startup = TimeSpan.FromSeconds(90);
        _silos.AddRange(await Task.WhenAll(
            SiloProcess.StartAsync(_clusterId, ServiceId, startup),
            SiloProcess.StartAsync(_clusterId, ServiceId, startup)));

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(TestServices.Redis);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = _clusterId;
                o.ServiceId = ServiceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        _client = builder.Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_acknowledged_entry_survives_a_kill_of_the_silo_hosting_the_account()
    {
        var grains = _client!.Services.GetRequiredService<IClusterClient>();
        var account = grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("crash@example.com");

        // Credits and calls are booked one after another; each is retried with its own id until it is
        // acknowledged, as an edge or a payment handler would. Halfway, the account's silo is killed.
        const int Credits = 40;
        var credit = Usd.FromDecimal(0.25m);
        var charge = Usd.FromDecimal(0.01m);
        for (var i = 0; i < Credits; i++)
        {
            if (i == Credits / 2)
            {
                await KillHostOfAsync(grains, account);
            }
            await UntilAcknowledgedAsync(() => account.PostAsync(new LedgerPosting($"credit-{i}", LedgerEntryKind.TopUp, credit, "")));
            await UntilAcknowledgedAsync(async () =>
            {
                await account.AdmitAsync(new AdmissionRequest($"call-{i}", "laptop", charge));
                return await account.SettleAsync(new Settlement($"call-{i}", new UsageRecord("m", "c", new TokenUsage(1, 1), charge, false)));
            });
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

    private async Task KillHostOfAsync(IClusterClient grains, IAccountGrain account)
    {
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(account);
        Assert.NotNull(host);
        var victim = _silos.Single(s => s.SiloPort == host.Endpoint.Port);
        await victim.KillAsync();
        Assert.True(victim.HasExited);
    }

    /// <summary>Retries a posting with the same ids until the cluster acknowledges it (bounded).</summary>
    private static async Task UntilAcknowledgedAsync(Func<Task<PostingResult>> post)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var result = await post();
                Assert.True(result.Outcome is PostingOutcome.Booked or PostingOutcome.AlreadyBooked, result.Outcome.ToString());
                return;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                // The silo is gone and membership has not evicted it yet; the posting's outcome is unknown.
                await Task.Delay(250);
            }
        }
    }
}
