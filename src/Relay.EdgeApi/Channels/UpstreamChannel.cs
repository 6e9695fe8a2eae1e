using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Protocols;

namespace Relay.EdgeApi.Channels;

/// <summary>A channel of the catalog, ready to be called. <see cref="Models"/> empty: it serves every catalog model of its provider.</summary>
public sealed record UpstreamChannel(
    string Name,
    ProviderProfile Provider,
    Uri BaseUrl,
    string ApiKey,
    IReadOnlySet<string> Models,
    int Priority,
    int Weight,
    IReadOnlyDictionary<WireProtocol, string> Paths,
    IReadOnlyDictionary<string, string> ModelMap)
{
    public bool Serves(CatalogModel model, WireProtocol protocol) => ServesModel(model) && Paths.ContainsKey(protocol);

    /// <summary>Whether the channel serves the model over some protocol: listed, or of its provider when it lists none.</summary>
    public bool ServesModel(CatalogModel model) =>
        Models.Count == 0 ? Providers.TryParse(model.Provider, out var kind) && kind == Provider.Kind : Models.Contains(model.Id);

    /// <summary>The URL of the protocol's endpoint: the base URL's path followed by the provider's path.</summary>
    public Uri EndpointFor(WireProtocol protocol, string? query)
    {
        var builder = new UriBuilder(BaseUrl)
        {
            Path = BaseUrl.AbsolutePath.TrimEnd('/') + Paths[protocol],
            Query = query ?? "",
        };
        return builder.Uri;
    }

    public string UpstreamModelFor(CatalogModel model) => ModelMap.GetValueOrDefault(model.Id) ?? model.UpstreamModel;

    /// <summary>The channel of a catalog entry; throws for one that cannot be called (the grain validated it, so only an older edge sees this).</summary>
    public static UpstreamChannel From(KeyedChannel keyed)
    {
        var options = keyed.Channel;
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            throw new InvalidOperationException("Every channel needs a Name.");
        }
        if (!Providers.TryParse(options.Provider, out var kind))
        {
            throw new InvalidOperationException($"Channel '{options.Name}': Provider must be anthropic, openai or glm, not '{options.Provider}'.");
        }
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttps && baseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new InvalidOperationException($"Channel '{options.Name}': BaseUrl must be an absolute http(s) URL.");
        }
        var profile = Providers.Profile(kind);
        var paths = new Dictionary<WireProtocol, string>(profile.Paths);
        foreach (var (protocol, path) in options.Paths)
        {
            if (!Enum.TryParse<WireProtocol>(protocol, ignoreCase: true, out var parsed))
            {
                throw new InvalidOperationException($"Channel '{options.Name}': unknown protocol '{protocol}' in Paths.");
            }
            if (string.IsNullOrWhiteSpace(path))
            {
                paths.Remove(parsed);
            }
            else
            {
                paths[parsed] = path.StartsWith('/') ? path : "/" + path;
            }
        }
        return new UpstreamChannel(
            options.Name,
            profile,
            baseUrl,
            keyed.ApiKey,
            options.Models.ToHashSet(StringComparer.OrdinalIgnoreCase),
            options.Priority,
            Math.Max(1, options.Weight),
            paths,
            new Dictionary<string, string>(options.ModelMap, StringComparer.OrdinalIgnoreCase));
    }
}
