using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Relay.Tests.Support;

/// <summary>Silo processes on loopback clustered through Redis, and an Orleans client talking to them.</summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string ServiceId = "relay-tests";

    private readonly IHost _client;

    private ProcessCluster(IReadOnlyList<SiloProcess> silos, IHost client)
    {
        Silos = silos;
        _client = client;
    }

    public IReadOnlyList<SiloProcess> Silos { get; }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public static async Task<ProcessCluster> StartAsync(int silos, IReadOnlyDictionary<string, string>? siloEnvironment = null)
    {
        var clusterId = "proc-" + Guid.NewGuid().ToString("N")[..12];
        var started = await Task.WhenAll(Enumerable.Range(0, silos).Select(_ =>
            SiloProcess.StartAsync(clusterId, ServiceId, TimeSpan.FromSeconds(90), siloEnvironment)));

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(TestServices.Redis);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ServiceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ProcessCluster(started, host);
    }

    /// <summary>The silo process where a grain is active now.</summary>
    public async Task<SiloProcess> HostOfAsync(IAddressable grain)
    {
        var address = await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain)
            ?? throw new InvalidOperationException("the grain is not active");
        return Silos.Single(s => s.SiloPort == address.Endpoint.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
    }

    /// <summary>Retries a call until the cluster answers it, as an edge or a payment handler would (bounded).</summary>
    public static async Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                // A silo is gone and membership has not evicted it yet; the call's outcome is unknown.
                await Task.Delay(250);
            }
        }
    }
}
