using Relay.Catalog;

namespace Relay.EdgeApi.Channels;

/// <summary>
/// One upstream channel as the configuration file describes it under <c>Relay:Channels:N</c>. It seeds the cluster's
/// catalog when that is empty; after that the cluster's catalog is what counts (docs/configuration.md).
/// </summary>
public sealed class ChannelOptions
{
    /// <summary>Name used in logs, metrics and usage records.</summary>
    public string Name { get; set; } = "";

    /// <summary>anthropic, openai or glm.</summary>
    public string Provider { get; set; } = "";

    /// <summary>The provider's base URL, for example https://api.anthropic.com or https://open.bigmodel.cn.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The credential Relay presents upstream.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Catalog model ids this channel serves; empty serves every catalog model of its provider.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Lower is tried first; channels of equal priority share calls by <see cref="Weight"/>.</summary>
    public int Priority { get; set; }

    /// <summary>Share of calls among channels of the same priority.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Overrides of the provider's paths per client protocol (keys: AnthropicMessages, OpenAIChat, OpenAIResponses).</summary>
    public Dictionary<string, string> Paths { get; set; } = [];

    /// <summary>Model ids to send upstream when they differ from the catalog's upstream id.</summary>
    public Dictionary<string, string> ModelMap { get; set; } = [];

    /// <summary>The channel and its key as the cluster's catalog holds them.</summary>
    public KeyedChannel ToKeyed() => new(
        new ChannelDefinition(Name, Provider.ToLowerInvariant(), BaseUrl, [.. Models], Priority, Weight, new Dictionary<string, string>(Paths), new Dictionary<string, string>(ModelMap), Enabled: true),
        ApiKey);
}
