using Relay.Money;

namespace Relay.Catalog;

/// <summary>The key of the one catalog grain.</summary>
public static class CatalogKeys
{
    public const string Default = "default";
}

/// <summary>
/// List prices in USD per million tokens, one per token kind. A cache kind left empty costs what input costs;
/// reasoning left empty costs what output costs.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.TokenPrices")]
public sealed record TokenPrices(
    [property: Id(0)] Usd Input,
    [property: Id(1)] Usd Output,
    [property: Id(2)] Usd? CacheRead = null,
    [property: Id(3)] Usd? CacheWrite5m = null,
    [property: Id(4)] Usd? CacheWrite1h = null,
    [property: Id(5)] Usd? Reasoning = null);

/// <summary>
/// A long-context tier: a call whose prompt (input, cache-read and cache-write tokens together) is above
/// <see cref="AboveInputTokens"/> is billed at these list prices for all its tokens, as Anthropic and OpenAI bill
/// their long-context requests.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.PriceTier")]
public sealed record PriceTier(
    [property: Id(0)] long AboveInputTokens,
    [property: Id(1)] TokenPrices Prices);

/// <summary>
/// What a model costs: the provider's list prices, Relay's discount (a multiplier in (0, 1]: 0.9 charges 90% of list)
/// and long-context tiers, lowest threshold first.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.ModelPricing")]
public sealed record ModelPricing(
    [property: Id(0)] TokenPrices List,
    [property: Id(1)] decimal Discount,
    [property: Id(2)] IReadOnlyList<PriceTier> Tiers);

/// <summary>A model clients can ask for.</summary>
/// <param name="Id">The catalog id clients send (matching ignores case).</param>
/// <param name="Provider">anthropic, openai or glm: the channels of this provider serve it unless they list their models.</param>
/// <param name="UpstreamModel">The id sent upstream; the catalog id when null.</param>
/// <param name="Aliases">Other names clients send: dated snapshots, "-latest".</param>
/// <param name="Created">When the model was published, for the model list.</param>
[GenerateSerializer, Immutable, Alias("Relay.ModelDefinition")]
public sealed record ModelDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string Provider,
    [property: Id(3)] string? UpstreamModel,
    [property: Id(4)] IReadOnlyList<string> Aliases,
    [property: Id(5)] ModelPricing Pricing,
    [property: Id(6)] DateTimeOffset? Created);

/// <summary>An upstream account at one provider, without its key.</summary>
/// <param name="Name">Unique; shown in usage records, logs and metrics.</param>
/// <param name="Provider">anthropic, openai or glm.</param>
/// <param name="BaseUrl">The provider's root URL.</param>
/// <param name="Models">Catalog ids it serves; empty serves every catalog model of its provider.</param>
/// <param name="Priority">Lower is tried first.</param>
/// <param name="Weight">Share of calls among channels of equal priority.</param>
/// <param name="Paths">Overrides of the provider's path per protocol (AnthropicMessages, OpenAIChat, OpenAIResponses); an empty path removes one.</param>
/// <param name="ModelMap">Model ids to send upstream where this channel names a catalog model differently.</param>
/// <param name="Enabled">A disabled channel is kept but never routed to.</param>
[GenerateSerializer, Immutable, Alias("Relay.ChannelDefinition")]
public sealed record ChannelDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Provider,
    [property: Id(2)] string BaseUrl,
    [property: Id(3)] IReadOnlyList<string> Models,
    [property: Id(4)] int Priority,
    [property: Id(5)] int Weight,
    [property: Id(6)] IReadOnlyDictionary<string, string> Paths,
    [property: Id(7)] IReadOnlyDictionary<string, string> ModelMap,
    [property: Id(8)] bool Enabled);

/// <summary>A channel as operators see it: its key only as a fingerprint (the first 12 hex digits of its SHA-256) and its last 4 characters.</summary>
[GenerateSerializer, Immutable, Alias("Relay.ChannelView")]
public sealed record ChannelView(
    [property: Id(0)] ChannelDefinition Channel,
    [property: Id(1)] string KeyFingerprint,
    [property: Id(2)] string KeyLast4,
    [property: Id(3)] DateTimeOffset KeySetAt);

/// <summary>The catalog as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("Relay.CatalogView")]
public sealed record CatalogView(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<ModelDefinition> Models,
    [property: Id(2)] IReadOnlyList<ChannelView> Channels,
    [property: Id(3)] DateTimeOffset? UpdatedAt);

/// <summary>A channel with the key Relay presents upstream.</summary>
[GenerateSerializer, Immutable, Alias("Relay.KeyedChannel")]
public sealed record KeyedChannel(
    [property: Id(0)] ChannelDefinition Channel,
    [property: Id(1)] string ApiKey);

/// <summary>What an edge routes with. Carries channel keys in the clear: for edges only, never shown to anyone.</summary>
[GenerateSerializer, Immutable, Alias("Relay.CatalogRouting")]
public sealed record CatalogRouting(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<ModelDefinition> Models,
    [property: Id(2)] IReadOnlyList<KeyedChannel> Channels);

/// <summary>The first contents of an empty catalog, from an edge's configuration; <see cref="Actor"/> names where it came from.</summary>
[GenerateSerializer, Immutable, Alias("Relay.CatalogSeed")]
public sealed record CatalogSeed(
    [property: Id(0)] IReadOnlyList<ModelDefinition> Models,
    [property: Id(1)] IReadOnlyList<KeyedChannel> Channels,
    [property: Id(2)] string Actor);

public enum CatalogChangeOutcome
{
    /// <summary>The change was made, recorded in the audit log, and the version moved.</summary>
    Applied = 0,

    /// <summary>Nothing to change (the same values, or a seed of a catalog that already holds something).</summary>
    Unchanged = 1,

    /// <summary>The change does not validate; <see cref="CatalogChangeResult.Field"/> and <see cref="CatalogChangeResult.Problem"/> say why.</summary>
    Invalid = 2,

    /// <summary>No model or channel of that name.</summary>
    NotFound = 3,

    /// <summary>A model or channel of that name already exists (adding), or a name is taken by another model's alias.</summary>
    Conflict = 4,
}

/// <summary>The result of a change: what happened, the field at fault when it was refused, and the catalog's version after it.</summary>
[GenerateSerializer, Immutable, Alias("Relay.CatalogChangeResult")]
public sealed record CatalogChangeResult(
    [property: Id(0)] CatalogChangeOutcome Outcome,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Field = null,
    [property: Id(3)] string? Problem = null);

/// <summary>
/// One recorded change: who made it, when, and the model or channel before and after, as JSON, with any channel key
/// replaced by its fingerprint. <see cref="Before"/> is null for an addition, <see cref="After"/> for a removal.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.CatalogAuditEntry")]
public sealed record CatalogAuditEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] string Subject,
    [property: Id(5)] string? Before,
    [property: Id(6)] string? After,
    [property: Id(7)] long Version);
