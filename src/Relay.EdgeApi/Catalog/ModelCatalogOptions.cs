namespace Relay.EdgeApi.Catalog;

/// <summary>One model as the operator configures it under <c>Relay:Models:{id}</c>.</summary>
public sealed class ModelOptions
{
    /// <summary>Name shown in the model list.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Family of the model: anthropic, openai or glm. Informational (the model list's owner).</summary>
    public string? Provider { get; set; }

    /// <summary>The id sent upstream; the catalog id when empty. A channel can override it.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>Other names clients send for this model: dated snapshots, "-latest" names.</summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Official list prices, USD per million tokens.</summary>
    public ModelPriceOptions Prices { get; set; } = new();

    /// <summary>Multiplier on the list prices: 0.9 charges 90% of list (10% off). 1 when empty.</summary>
    public decimal Discount { get; set; } = 1m;

    /// <summary>When the model was published, for the model list.</summary>
    public DateTimeOffset? Created { get; set; }
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
}
