using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Relay.Accounts;
using Relay.Silo.Hosting;

namespace Relay.Tests.Support;

/// <summary>
/// A real Relay silo in the test process: Redis membership and PostgreSQL storage, its own cluster id,
/// and a fake clock for Relay's business time (Orleans' own timers keep real time).
/// </summary>
public sealed class InProcessSilo : IAsyncLifetime
{
    private IHost? _host;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..12];

    public IGrainFactory Grains => _host!.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host!.Services;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestServices.Postgres,
            ["ConnectionStrings:Redis"] = TestServices.Redis,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = "relay-tests",
            ["Orleans:SiloPort"] = TestServices.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = TestServices.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddKeyedSingleton<TimeProvider>(RelayClock.Key, Clock);
        builder.AddRelaySilo();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedSilo : ICollectionFixture<InProcessSilo>
{
    public const string Name = "silo";
}
