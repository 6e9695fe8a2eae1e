using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Relay.Silo.Hosting;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>A real Relay silo in the test process: Redis membership and PostgreSQL storage under its own cluster id.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host, string clusterId)
    {
        _host = host;
        ClusterId = clusterId;
    }

    public static string Postgres => Environment.GetEnvironmentVariable("RELAY_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";

    public static string Redis => Environment.GetEnvironmentVariable("RELAY_REDIS") ?? "127.0.0.1:56379";

    public const string ServiceId = "relay-edge-tests";

    public string ClusterId { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<TestSilo> StartAsync()
    {
        var clusterId = "edge-test-" + Guid.NewGuid().ToString("N")[..12];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = Postgres,
            ["ConnectionStrings:Redis"] = Redis,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddRelaySilo();
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host, clusterId);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
