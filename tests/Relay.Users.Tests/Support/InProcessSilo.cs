using Microsoft.Extensions.Time.Testing;
using Relay.Testing;

namespace Relay.Users.Tests.Support;

/// <summary>
/// A real Relay silo in the test process (Redis membership, PostgreSQL storage, its own cluster id) with a
/// fake clock for Relay's business time, and the user API hosted on a test server in front of it.
/// </summary>
public sealed class InProcessSilo : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private RelaySiloHost? _silo;
    private UserApiHost? _api;

    /// <summary>The silo's business clock: lockouts, ledger times, devices.</summary>
    public FakeTimeProvider Clock { get; } = new(Start);

    public IGrainFactory Grains => _silo!.Grains;

    /// <summary>The user API with the tests' default settings (and a rate limit no test reaches).</summary>
    public UserApiHost Api => _api!;

    public async Task InitializeAsync()
    {
        _silo = await RelaySiloHost.StartAsync("relay-users-tests", Clock);
        _api = await UserApiHost.StartAsync(Grains);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedSilo : ICollectionFixture<InProcessSilo>
{
    public const string Name = "silo";
}
