using Relay.Catalog;
using Relay.Money;

namespace Relay.EdgeApi.Catalog;

/// <summary>
/// One model as the configuration file describes it under <c>Relay:Models:{id}</c>. It seeds the cluster's catalog
/// when that is empty; after that the cluster's catalog is what counts (docs/configuration.md).
/// </summary>
public sealed class ModelOptions
{
    /// <summary>Name shown in the model list.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Family of the model: anthropic, openai or glm. Channels of this provider without a model list serve it.</summary>
    public string? Provider { get; set; }

    /// <summary>The id sent upstream; the catalog id when empty. A channel can override it.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>Other names clients send for this model: dated snapshots, "-latest" names.</summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Official list prices, USD per million tokens.</summary>
    public ModelPriceOptions Prices { get; set; } = new();

    /// <summary>Long-context tiers: prompts above a threshold billed at other list prices for the whole call.</summary>
    public List<PriceTierOptions> Tiers { get; set; } = [];

    /// <summary>Multiplier on the list prices: 0.9 charges 90% of list (10% off). 1 when empty.</summary>
    public decimal Discount { get; set; } = 1m;

    /// <summary>When the model was published, for the model list.</summary>
    public DateTimeOffset? Created { get; set; }

    /// <summary>The model as the cluster's catalog holds it. Throws for a price that is not exact to a nano-dollar.</summary>
    public ModelDefinition ToDefinition(string id) => new(
        id,
        string.IsNullOrWhiteSpace(DisplayName) ? id : DisplayName,
        Provider ?? "",
        string.IsNullOrWhiteSpace(UpstreamModel) ? null : UpstreamModel,
        [.. Aliases],
        new ModelPricing(Prices.ToList(), Discount, [.. Tiers.Select(tier => new PriceTier(tier.AboveInputTokens, tier.Prices.ToList()))]),
        Created);
}

/// <summary>List prices in USD per million tokens, one per token kind. Kinds left empty cost what input (or output, for reasoning) costs.</summary>
public sealed class ModelPriceOptions
{
    public decimal Input { get; set; }

    public decimal Output { get; set; }

    public decimal? CacheRead { get; set; }

    public decimal? CacheWrite5m { get; set; }

    public decimal? CacheWrite1h { get; set; }

    public decimal? Reasoning { get; set; }

    public TokenPrices ToList() => new(
        Usd.FromDecimal(Input),
        Usd.FromDecimal(Output),
        Optional(CacheRead),
        Optional(CacheWrite5m),
        Optional(CacheWrite1h),
        Optional(Reasoning));

    private static Usd? Optional(decimal? perMillion) => perMillion is { } value ? Usd.FromDecimal(value) : null;
}

/// <summary>A long-context tier: prompts (input, cache-read and cache-write tokens) above <see cref="AboveInputTokens"/> pay <see cref="Prices"/>.</summary>
public sealed class PriceTierOptions
{
    public long AboveInputTokens { get; set; }

    public ModelPriceOptions Prices { get; set; } = new();
}
