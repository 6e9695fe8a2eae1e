using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Relay.Accounts;
using Relay.Silo.Hosting;

namespace Relay.Users.Tests.Support;

/// <summary>
/// A real Relay silo in the test process (Redis membership, PostgreSQL storage, its own cluster id) with a
/// fake clock for Relay's business time, and the user API hosted on a test server in front of it.
/// </summary>
public sealed class InProcessSilo : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private IHost? _host;
    private UserApiHost? _api;

    /// <summary>The silo's business clock: lockouts, ledger times, devices.</summary>
    public FakeTimeProvider Clock { get; } = new(Start);

    public string ClusterId { get; } = "users-test-" + Guid.NewGuid().ToString("N")[..12];

    public IGrainFactory Grains => _host!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The user API with the tests' default settings (and a rate limit no test reaches).</summary>
    public UserApiHost Api => _api!;

    public static string Postgres => Environment.GetEnvironmentVariable("RELAY_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";

    public static string Redis => Environment.GetEnvironmentVariable("RELAY_REDIS") ?? "127.0.0.1:56379";

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = Postgres,
            ["ConnectionStrings:Redis"] = Redis,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = "relay-users-tests",
            ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.AddKeyedSingleton<TimeProvider>(RelayClock.Key, Clock);
        builder.AddRelaySilo();
        _host = builder.Build();
        await _host.StartAsync();
        _api = await UserApiHost.StartAsync(Grains);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class SharedSilo : ICollectionFixture<InProcessSilo>
{
    public const string Name = "silo";
}
