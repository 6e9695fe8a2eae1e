using Microsoft.Extensions.Options;
using Relay.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Catalog;

/// <summary>
/// Keeps this edge's models, prices and channels equal to the cluster's catalog (<see cref="ICatalogGrain"/>). At
/// start it seeds an empty catalog from the configuration file and waits for the first snapshot (the edge does not
/// listen before it has one); then it asks for the catalog's version every <c>Relay:Catalog:PollInterval</c> and
/// fetches the catalog when the version moved. While the cluster does not answer it keeps serving the last snapshot.
/// </summary>
public sealed partial class ClusterCatalog(
    IGrainFactory grains,
    ModelCatalog models,
    ChannelRouter channels,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<ClusterCatalog> logger) : BackgroundService
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _waitersLock = new();
    private readonly List<(long Version, TaskCompletionSource Applied)> _waiters = [];
    private bool _unreachable;

    private ICatalogGrain Grain => grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var seed = SeedFromConfiguration();
        while (true)
        {
            try
            {
                var seeded = await Grain.SeedAsync(seed);
                if (seeded.Outcome == CatalogChangeOutcome.Invalid)
                {
                    throw new OptionsValidationException(RelayOptions.Section, typeof(RelayOptions), [$"The configured catalog does not validate: {seeded.Field}: {seeded.Problem}"]);
                }
                if (seeded.Outcome == CatalogChangeOutcome.Unchanged && (seed.Models.Count > 0 || seed.Channels.Count > 0))
                {
                    LogSeedIgnored(logger, seeded.Version);
                }
                await RefreshAsync(cancellationToken);
                break;
            }
            catch (Exception ex) when (ex is not OptionsValidationException && !cancellationToken.IsCancellationRequested)
            {
                LogFirstLoadFailed(logger, ex);
                await Task.Delay(options.Value.Catalog.PollInterval, time, cancellationToken);
            }
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Fetches the catalog now if its version moved, and applies it. What the admin API calls after a change, so the edge that made it uses it at once.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var grain = Grain;
            var version = await grain.GetVersionAsync();
            if (version == models.Version && version != 0)
            {
                return;
            }
            var routing = await grain.GetRoutingAsync();
            models.Apply(routing.Version, routing.Models);
            channels.Apply(routing.Channels);
            LogApplied(logger, routing.Version, routing.Models.Count, routing.Channels.Count);
            Release(routing.Version);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Completes once this edge serves catalog version <paramref name="version"/> or a later one.</summary>
    public Task WhenServingAsync(long version)
    {
        lock (_waitersLock)
        {
            if (models.Version >= version)
            {
                return Task.CompletedTask;
            }
            var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((version, applied));
            return applied.Task;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Catalog.PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (_unreachable)
                {
                    _unreachable = false;
                    LogReachableAgain(logger, models.Version);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Logged once per outage: the edge goes on serving its last snapshot and tries again next tick.
                if (!_unreachable)
                {
                    _unreachable = true;
                    LogRefreshFailed(logger, ex, models.Version);
                }
            }
        }
    }

    private void Release(long version)
    {
        lock (_waitersLock)
        {
            foreach (var waiter in _waiters.Where(w => w.Version <= version).ToList())
            {
                waiter.Applied.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>The configuration file's models and channels, which fill the cluster's catalog only when it is empty.</summary>
    private CatalogSeed SeedFromConfiguration()
    {
        var relay = options.Value;
        return new CatalogSeed(
            [.. relay.Models.Select(pair => pair.Value.ToDefinition(pair.Key))],
            [.. relay.Channels.Select(channel => channel.ToKeyed())],
            $"configuration of edge {Environment.MachineName}");
    }

    [LoggerMessage(20, LogLevel.Information, "Catalog version {Version} applied: {Models} models, {Channels} channels")]
    private static partial void LogApplied(ILogger logger, long version, int models, int channels);

    [LoggerMessage(21, LogLevel.Warning, "The cluster's catalog already holds version {Version}; Relay:Models and Relay:Channels of this edge's configuration are not applied (change the catalog through the admin API or the console)")]
    private static partial void LogSeedIgnored(ILogger logger, long version);

    [LoggerMessage(22, LogLevel.Warning, "The catalog could not be loaded from the cluster yet; trying again")]
    private static partial void LogFirstLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(23, LogLevel.Warning, "The catalog could not be refreshed from the cluster; serving version {Version} until it answers")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, long version);

    [LoggerMessage(24, LogLevel.Information, "The cluster's catalog answers again (serving version {Version})")]
    private static partial void LogReachableAgain(ILogger logger, long version);
}
