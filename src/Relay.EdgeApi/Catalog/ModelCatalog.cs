using System.Collections.Frozen;
using Relay.Catalog;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Catalog;

/// <summary>A model a client can ask for, with its price.</summary>
public sealed record CatalogModel(string Id, string DisplayName, string Provider, string UpstreamModel, ModelPrice Price, DateTimeOffset Created);

/// <summary>
/// The models and prices this edge serves: the last snapshot of the cluster's catalog (<see cref="ClusterCatalog"/>
/// applies each new version). A call resolves its model once, so it is charged at the prices of the moment it began.
/// </summary>
public sealed class ModelCatalog(ILogger<ModelCatalog> logger)
{
    private volatile Snapshot _snapshot = Snapshot.Empty;

    /// <summary>The catalog version this snapshot came from; 0 before the first.</summary>
    public long Version => _snapshot.Version;

    /// <summary>Every model, in a stable order.</summary>
    public IReadOnlyList<CatalogModel> Models => _snapshot.Models;

    /// <summary>The model a client's name means, by id or alias, ignoring case.</summary>
    public CatalogModel? Resolve(string name) => _snapshot.ByName.GetValueOrDefault(name.Trim());

    /// <summary>
    /// Replaces the snapshot. The catalog grain validated every model; one that still cannot be priced here (an edge
    /// older than the grain) is left out and logged rather than taking the others down.
    /// </summary>
    public void Apply(long version, IReadOnlyList<ModelDefinition> definitions)
    {
        var models = new List<CatalogModel>();
        var byName = new Dictionary<string, CatalogModel>(StringComparer.OrdinalIgnoreCase);
        foreach (var definition in definitions.OrderBy(d => d.Id, StringComparer.Ordinal))
        {
            CatalogModel model;
            try
            {
                model = From(definition);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException or InvalidOperationException)
            {
                Log.CatalogRejected(logger, ex);
                continue;
            }
            models.Add(model);
            foreach (var name in definition.Aliases.Prepend(definition.Id))
            {
                byName.TryAdd(name, model);
            }
        }
        _snapshot = new Snapshot(version, models, byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
        Log.CatalogReloaded(logger, models.Count);
    }

    /// <summary>The catalog model of a definition; throws when its prices cannot be charged exactly.</summary>
    public static CatalogModel From(ModelDefinition definition) => new(
        definition.Id,
        string.IsNullOrWhiteSpace(definition.DisplayName) ? definition.Id : definition.DisplayName,
        definition.Provider,
        definition.UpstreamModel ?? definition.Id,
        ModelPrice.From(definition.Pricing),
        definition.Created ?? DateTimeOffset.UnixEpoch);

    private sealed record Snapshot(long Version, IReadOnlyList<CatalogModel> Models, FrozenDictionary<string, CatalogModel> ByName)
    {
        public static Snapshot Empty { get; } = new(0, [], FrozenDictionary<string, CatalogModel>.Empty);
    }
}
