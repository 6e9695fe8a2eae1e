using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Catalog;

/// <summary>A model a client can ask for, with its price.</summary>
public sealed record CatalogModel(string Id, string DisplayName, string Provider, string UpstreamModel, ModelPrice Price, DateTimeOffset Created);

/// <summary>
/// The models and prices of <c>Relay:Models</c>, rebuilt whenever the configuration changes. A change that does
/// not validate is logged and ignored, so a typo in a price never takes the edge down.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    private readonly ILogger<ModelCatalog> _logger;
    private readonly IDisposable? _subscription;
    private volatile Snapshot _snapshot;

    public ModelCatalog(IOptionsMonitor<RelayOptions> options, ILogger<ModelCatalog> logger)
    {
        _logger = logger;
        _snapshot = Snapshot.Build(options.CurrentValue.Models);
        _subscription = options.OnChange(value =>
        {
            try
            {
                _snapshot = Snapshot.Build(value.Models);
                Log.CatalogReloaded(_logger, _snapshot.Models.Count);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException or InvalidOperationException)
            {
                Log.CatalogRejected(_logger, ex);
            }
        });
    }

    /// <summary>Every model, in a stable order.</summary>
    public IReadOnlyList<CatalogModel> Models => _snapshot.Models;

    /// <summary>The model a client's name means, by id or alias, ignoring case.</summary>
    public CatalogModel? Resolve(string name) => _snapshot.ByName.GetValueOrDefault(name.Trim());

    public void Dispose() => _subscription?.Dispose();

    private sealed record Snapshot(IReadOnlyList<CatalogModel> Models, FrozenDictionary<string, CatalogModel> ByName)
    {
        public static Snapshot Build(Dictionary<string, ModelOptions> configured)
        {
            var models = new List<CatalogModel>();
            var byName = new Dictionary<string, CatalogModel>(StringComparer.OrdinalIgnoreCase);
            foreach (var (id, options) in configured.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var model = new CatalogModel(
                    id,
                    string.IsNullOrWhiteSpace(options.DisplayName) ? id : options.DisplayName,
                    options.Provider ?? "relay",
                    string.IsNullOrWhiteSpace(options.UpstreamModel) ? id : options.UpstreamModel,
                    ModelPrice.From(options.Prices, options.Discount),
                    options.Created ?? DateTimeOffset.UnixEpoch);
                models.Add(model);
                foreach (var name in options.Aliases.Prepend(id))
                {
                    if (!byName.TryAdd(name, model) && byName[name].Id != id)
                    {
                        throw new InvalidOperationException($"The model name '{name}' is given to both '{byName[name].Id}' and '{id}'.");
                    }
                }
            }
            return new Snapshot(models, byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
        }
    }
}
