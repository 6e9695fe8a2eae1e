using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Relay.Stablecoin;

/// <summary>Runs the stablecoin watcher every poll interval for as long as the silo runs; a failed poll is retried on the next.</summary>
public sealed partial class StablecoinWatcherService(
    StablecoinWatcher watcher, IOptions<StablecoinOptions> options, ILogger<StablecoinWatcherService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                await watcher.PollOnceAsync(stoppingToken);
            }
            catch (StablecoinConfigurationException e)
            {
                // Crediting with a configuration the chain contradicts would book wrong amounts: stop, loudly. The silo
                // keeps serving everything else.
                LogRefused(e.Message);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stablecoin top-ups are off: {Reason}")]
    private partial void LogRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stablecoin poll failed; retrying on the next tick")]
    private partial void LogPollFailed(Exception exception);
}
