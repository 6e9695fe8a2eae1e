using Relay.Accounts;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Catalog;

public sealed class LongContextPriceTests
{
    // gpt-5.5's list: $5 input, $0.50 cached, $30 output; above 272K prompt tokens $10, $1, $45. Relay's discount 0.9.
    private static readonly ModelPrice s_gpt55 = ModelPrice.From(new ModelPricing(
        new TokenPrices(Usd.FromDecimal(5m), Usd.FromDecimal(30m), CacheRead: Usd.FromDecimal(0.5m)),
        0.9m,
        [new PriceTier(272_000, new TokenPrices(Usd.FromDecimal(10m), Usd.FromDecimal(45m), CacheRead: Usd.FromDecimal(1m)))]));

    [Fact]
    public void A_prompt_at_the_threshold_is_charged_the_ordinary_rates()
    {
        // 272,000 x 4.5 + 1,000 x 27 = 1,224,000 + 27,000 nano-dollars per million... exactly $1.251.
        Assert.Equal(Usd.FromDecimal(1.251m), s_gpt55.Charge(new TokenUsage(272_000, 1_000)));
    }

    [Fact]
    public void One_token_above_the_threshold_charges_the_whole_call_at_the_long_context_rates()
    {
        // 272,001 x $9 + 1,000 x $40.50 per million = $2.448009 + $0.0405.
        Assert.Equal(Usd.FromDecimal(2.488509m), s_gpt55.Charge(new TokenUsage(272_001, 1_000)));
    }

    [Fact]
    public void Cache_reads_count_toward_the_threshold_and_are_charged_at_the_tier_cache_rate()
    {
        // 2,001 input + 270,000 cached = 272,001 prompt tokens: above. 2,001 x 9 + 270,000 x 0.9 + 10 x 40.5, per million.
        var charge = s_gpt55.Charge(new TokenUsage(2_001, 10, CacheReadTokens: 270_000));

        Assert.Equal(Usd.FromDecimal(0.018009m + 0.243m + 0.000405m), charge);
    }

    [Fact]
    public void The_one_rounding_rule_applies_once_to_the_long_context_sum()
    {
        // Above 10 prompt tokens every kind costs $0.175 list, $0.1575 after the discount: 157.5 nano-dollars a token.
        var price = ModelPrice.From(new ModelPricing(
            new TokenPrices(Usd.FromDecimal(1m), Usd.FromDecimal(1m)),
            0.9m,
            [new PriceTier(10, new TokenPrices(Usd.FromDecimal(0.175m), Usd.FromDecimal(0.175m), CacheRead: Usd.FromDecimal(0.175m)))]));

        // 11 tokens: 1,732.5 rounds up to 1,733.
        Assert.Equal(new Usd(1_733), price.Charge(new TokenUsage(11, 0)));
        // 11 input and 1 cache read: 1,890 exactly. Rounding each kind first would have made it 1,733 + 158 = 1,891.
        Assert.Equal(new Usd(1_890), price.Charge(new TokenUsage(11, 0, CacheReadTokens: 1)));
    }

    [Fact]
    public void Of_several_tiers_the_highest_threshold_below_the_prompt_applies()
    {
        var price = ModelPrice.From(new ModelPricing(
            new TokenPrices(Usd.FromDecimal(1m), Usd.FromDecimal(1m)),
            1m,
            [new PriceTier(200_000, new TokenPrices(Usd.FromDecimal(2m), Usd.FromDecimal(2m))), new PriceTier(100_000, new TokenPrices(Usd.FromDecimal(3m), Usd.FromDecimal(3m)))]));

        Assert.Equal(Usd.FromDecimal(0.1m), price.Charge(new TokenUsage(100_000, 0)));
        Assert.Equal(Usd.FromDecimal(0.300003m), price.Charge(new TokenUsage(100_001, 0)));
        Assert.Equal(Usd.FromDecimal(0.400002m), price.Charge(new TokenUsage(200_001, 0)));
    }

    [Fact]
    public void The_shipped_gpt_5_5_is_charged_as_openai_charges_a_long_prompt()
    {
        var price = Support.Prices.Of("gpt-5.5");

        // 300,000 prompt tokens are above 272K: $10 and $45 less 10%.
        Assert.Equal(Usd.FromDecimal(2.7m + 0.0405m), price.Charge(new TokenUsage(300_000, 1_000)));
        Assert.Equal(Usd.FromDecimal(1.125m + 0.027m), price.Charge(new TokenUsage(250_000, 1_000)));
    }
}
