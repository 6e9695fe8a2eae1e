using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Relay.Accounts;
using Relay.Silo.Hosting;

namespace Relay.Testing;

/// <summary>
/// A real Relay silo in the test process, composed exactly as the silo program composes it: Redis membership,
/// PostgreSQL storage, its own cluster id. With a fake clock, Relay's business time moves only when a test
/// moves it (Orleans' own timers keep real time).
/// </summary>
public sealed class RelaySiloHost : IAsyncDisposable
{
    private readonly IHost _host;

    private RelaySiloHost(IHost host, string clusterId, string serviceId)
    {
        _host = host;
        ClusterId = clusterId;
        ServiceId = serviceId;
    }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <param name="traces">Makes traces (Relay:Telemetry:Traces), as a silo does when it exports them.</param>
    public static async Task<RelaySiloHost> StartAsync(string serviceId, FakeTimeProvider? clock = null, bool traces = false)
    {
        var clusterId = serviceId + "-" + Guid.NewGuid().ToString("N")[..12];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestServices.Postgres,
            ["ConnectionStrings:Redis"] = TestServices.Redis,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = serviceId,
            ["Orleans:SiloPort"] = TestServices.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = TestServices.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Relay:Telemetry:Traces"] = traces ? "true" : "false",
        });
        if (clock is not null)
        {
            builder.Services.AddKeyedSingleton<TimeProvider>(RelayClock.Key, clock);
        }
        builder.AddRelaySilo();
        var host = builder.Build();
        await host.StartAsync();
        return new RelaySiloHost(host, clusterId, serviceId);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
