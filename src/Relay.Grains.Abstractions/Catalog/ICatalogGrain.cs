using Orleans.Concurrency;

namespace Relay.Catalog;

/// <summary>
/// The service's models, prices and upstream channels, held once in the cluster under <see cref="CatalogKeys.Default"/>.
/// Every edge polls <see cref="GetVersionAsync"/> and reloads on a change; operators change it through the admin API or
/// the console, and every change is recorded in the audit log. Channel keys are stored encrypted and never read back,
/// except by edges through <see cref="GetRoutingAsync"/>.
/// </summary>
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>The catalog as operators see it: models with prices, channels with a key fingerprint but no key.</summary>
    [ReadOnly]
    Task<CatalogView> GetAsync();

    /// <summary>The catalog's version; it grows by one with every change. Cheap: what edges poll.</summary>
    [ReadOnly]
    Task<long> GetVersionAsync();

    /// <summary>What an edge routes with: the models and the enabled and disabled channels with their plain keys.</summary>
    [ReadOnly]
    Task<CatalogRouting> GetRoutingAsync();

    /// <summary>Fills a catalog that was never filled (an edge's configuration); changes nothing once it holds anything.</summary>
    Task<CatalogChangeResult> SeedAsync(CatalogSeed seed);

    /// <summary>Adds a model or replaces the one with the same id (prices, aliases, tiers, everything).</summary>
    Task<CatalogChangeResult> PutModelAsync(ModelDefinition model, string actor);

    /// <summary>Replaces a model's prices (list prices, discount and long-context tiers), leaving the rest.</summary>
    Task<CatalogChangeResult> SetModelPricingAsync(string modelId, ModelPricing pricing, string actor);

    /// <summary>Removes a model; calls for it are refused as unknown from then on.</summary>
    Task<CatalogChangeResult> RemoveModelAsync(string modelId, string actor);

    /// <summary>Adds a channel with its upstream key; a channel of the same name is a conflict.</summary>
    Task<CatalogChangeResult> AddChannelAsync(ChannelDefinition channel, string apiKey, string actor);

    /// <summary>Replaces a channel's settings (not its key, which <see cref="RotateChannelKeyAsync"/> changes).</summary>
    Task<CatalogChangeResult> UpdateChannelAsync(ChannelDefinition channel, string actor);

    /// <summary>Takes a channel out of routing (false) or back in (true), keeping its settings and key.</summary>
    Task<CatalogChangeResult> SetChannelEnabledAsync(string channelName, bool enabled, string actor);

    /// <summary>Replaces a channel's upstream key; the old key is no longer used from the next reload of each edge.</summary>
    Task<CatalogChangeResult> RotateChannelKeyAsync(string channelName, string apiKey, string actor);

    /// <summary>Removes a channel and its key.</summary>
    Task<CatalogChangeResult> RemoveChannelAsync(string channelName, string actor);

    /// <summary>The audit log, newest first: entries with a sequence below <paramref name="before"/> (all when null), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<CatalogAuditEntry>> GetAuditAsync(long? before, int limit);
}
