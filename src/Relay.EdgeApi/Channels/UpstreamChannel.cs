using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Protocols;

namespace Relay.EdgeApi.Channels;

/// <summary>A configured channel, ready to be called.</summary>
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
    public bool Serves(CatalogModel model, WireProtocol protocol) => Models.Contains(model.Id) && Paths.ContainsKey(protocol);

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

    public static UpstreamChannel From(ChannelOptions options)
    {
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
            options.ApiKey,
            options.Models.ToHashSet(StringComparer.OrdinalIgnoreCase),
            options.Priority,
            Math.Max(1, options.Weight),
            paths,
            new Dictionary<string, string>(options.ModelMap, StringComparer.OrdinalIgnoreCase));
    }
}
