using Relay.Accounts;
using Relay.Money;

namespace Relay.EdgeApi.Catalog;

/// <summary>What a model charges per million tokens of each kind, after the operator's discount.</summary>
public sealed record ModelPrice(Usd Input, Usd Output, Usd CacheRead, Usd CacheWrite5m, Usd CacheWrite1h, Usd Reasoning)
{
    /// <summary>The charge for a call's tokens: one exact sum rounded up once (see <see cref="Usd.ForTokens"/>).</summary>
    public Usd Charge(TokenUsage tokens) => Usd.ForTokens(
        new TokenCost(tokens.InputTokens, Input),
        new TokenCost(tokens.OutputTokens, Output),
        new TokenCost(tokens.CacheReadTokens, CacheRead),
        new TokenCost(tokens.CacheWrite5mTokens, CacheWrite5m),
        new TokenCost(tokens.CacheWrite1hTokens, CacheWrite1h),
        new TokenCost(tokens.ReasoningTokens, Reasoning));

    /// <summary>
    /// Applies the discount to list prices. A discounted price must stay exact to a nano-dollar per million
    /// tokens; an operator who configures a discount that is not is told so instead of being silently rounded.
    /// </summary>
    public static ModelPrice From(ModelPriceOptions list, decimal discount)
    {
        if (discount <= 0m || discount > 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(discount), discount, "The discount is a multiplier in (0, 1].");
        }
        Usd Price(decimal perMillion) => Usd.FromDecimal(perMillion * discount);
        return new ModelPrice(
            Price(list.Input),
            Price(list.Output),
            Price(list.CacheRead ?? list.Input),
            Price(list.CacheWrite5m ?? list.Input),
            Price(list.CacheWrite1h ?? list.Input),
            Price(list.Reasoning ?? list.Output));
    }
}
