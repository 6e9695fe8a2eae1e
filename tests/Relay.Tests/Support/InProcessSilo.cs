using Microsoft.Extensions.Time.Testing;
using Relay.Testing;

namespace Relay.Tests.Support;

/// <summary>The silo the grain tests share (an xunit collection fixture), with a fake business clock.</summary>
public sealed class InProcessSilo : IAsyncLifetime
{
    private RelaySiloHost? _silo;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    public IGrainFactory Grains => _silo!.Grains;

    public IServiceProvider Services => _silo!.Services;

    public async Task InitializeAsync() => _silo = await RelaySiloHost.StartAsync("relay-tests", Clock);

    public async Task DisposeAsync()
    {
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
