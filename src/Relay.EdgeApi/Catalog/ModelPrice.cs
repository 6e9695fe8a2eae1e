using Relay.Accounts;
using Relay.Catalog;
using Relay.Money;

namespace Relay.EdgeApi.Catalog;

/// <summary>
/// What a model charges per million tokens of each kind, after the operator's discount, for calls whose prompt is
/// within the model's ordinary context; <see cref="Tiers"/> hold the rates of longer prompts.
/// </summary>
public sealed record ModelPrice(Usd Input, Usd Output, Usd CacheRead, Usd CacheWrite5m, Usd CacheWrite1h, Usd Reasoning)
{
    /// <summary>Long-context rates, lowest threshold first: a call whose prompt is above a threshold pays that tier's rates for all its tokens.</summary>
    public IReadOnlyList<LongContextPrice> Tiers { get; init; } = [];

    /// <summary>
    /// The charge for a call's tokens at the rates its prompt size calls for: one exact sum rounded up once (see
    /// <see cref="Usd.ForTokens"/>). The prompt is every input token the provider counts toward the threshold: input,
    /// cache reads and cache writes.
    /// </summary>
    public Usd Charge(TokenUsage tokens)
    {
        var rates = RatesFor(PromptTokens(tokens));
        return Usd.ForTokens(
            new TokenCost(tokens.InputTokens, rates.Input),
            new TokenCost(tokens.OutputTokens, rates.Output),
            new TokenCost(tokens.CacheReadTokens, rates.CacheRead),
            new TokenCost(tokens.CacheWrite5mTokens, rates.CacheWrite5m),
            new TokenCost(tokens.CacheWrite1hTokens, rates.CacheWrite1h),
            new TokenCost(tokens.ReasoningTokens, rates.Reasoning));
    }

    /// <summary>The rates for a prompt of this many tokens: the highest tier whose threshold it is above, or the ordinary rates.</summary>
    public ModelPrice RatesFor(long promptTokens)
    {
        var rates = this;
        foreach (var tier in Tiers)
        {
            if (promptTokens > tier.AboveInputTokens)
            {
                rates = tier.Rates;
            }
        }
        return rates;
    }

    public static long PromptTokens(TokenUsage tokens) =>
        checked(tokens.InputTokens + tokens.CacheReadTokens + tokens.CacheWrite5mTokens + tokens.CacheWrite1hTokens);

    /// <summary>
    /// Applies the discount to the list prices of every tier. A discounted price must stay exact to a nano-dollar per
    /// million tokens (<see cref="CatalogRules.Discounted"/>); one that is not throws instead of being silently rounded.
    /// </summary>
    public static ModelPrice From(ModelPricing pricing) =>
        Rates(pricing.List, pricing.Discount) with
        {
            Tiers = [.. pricing.Tiers.OrderBy(tier => tier.AboveInputTokens).Select(tier => new LongContextPrice(tier.AboveInputTokens, Rates(tier.Prices, pricing.Discount)))],
        };

    private static ModelPrice Rates(TokenPrices list, decimal discount)
    {
        Usd Price(Usd perMillion) => CatalogRules.Discounted(perMillion, discount);
        return new ModelPrice(
            Price(list.Input),
            Price(list.Output),
            Price(list.CacheRead ?? list.Input),
            Price(list.CacheWrite5m ?? list.Input),
            Price(list.CacheWrite1h ?? list.Input),
            Price(list.Reasoning ?? list.Output));
    }
}

/// <summary>The rates of prompts above <see cref="AboveInputTokens"/> tokens.</summary>
public sealed record LongContextPrice(long AboveInputTokens, ModelPrice Rates);
