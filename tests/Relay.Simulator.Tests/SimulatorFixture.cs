using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests;

/// <summary>A fresh simulator per test, with no pacing so tests run fast.</summary>
public abstract class SimulatorTest : IAsyncLifetime
{
    private SimulatorServer? _server;

    internal SimulatorServer Server => _server ?? throw new InvalidOperationException("not started");

    protected virtual void Configure(SimulatorOptions options)
    {
        options.EventDelayMs = 0;
    }

    public async Task InitializeAsync() => _server = await SimulatorServer.StartAsync(configure: Configure);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
