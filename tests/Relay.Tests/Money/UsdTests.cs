using Relay.Money;

namespace Relay.Tests.Money;

public sealed class UsdTests
{
    [Fact]
    public void A_call_cost_is_rounded_up_once_to_the_next_nano_dollar()
    {
        // 1 token at $3 per million = 3000 nano-dollars exactly; 1 token at $0.0000015 per million is
        // 0.0015 nano-dollars and rounds up to 1.
        Assert.Equal(3_000, Usd.ForTokens(new TokenCost(1, Usd.FromDecimal(3m))).Nanos);
        Assert.Equal(1, Usd.ForTokens(new TokenCost(1, Usd.FromDecimal(0.0000015m))).Nanos);
        // Rounding happens once over the sum, not per line: four lines of 0.6 nano-dollars are 2.4 -> 3,
        // where rounding each line would charge 4.
        var tiny = new TokenCost(1, Usd.FromDecimal(0.0006m));
        Assert.Equal(3, Usd.ForTokens(tiny, tiny, tiny, tiny).Nanos);
    }

    [Fact]
    public void A_typical_call_costs_exactly_its_tokens_at_its_prices()
    {
        // 1,234 input at $3/M, 567 output at $15/M, 10,000 cache reads at $0.30/M.
        var cost = Usd.ForTokens(
            new TokenCost(1_234, Usd.FromDecimal(3m)),
            new TokenCost(567, Usd.FromDecimal(15m)),
            new TokenCost(10_000, Usd.FromDecimal(0.30m)));
        Assert.Equal(Usd.FromDecimal(0.003702m + 0.008505m + 0.003m), cost);
        Assert.Equal("0.015207000", cost.ToString());
    }

    [Fact]
    public void No_count_of_tokens_overflows_silently()
    {
        // A trillion tokens at $75 per million is $75 million, exactly; the product is taken in 128 bits.
        Assert.Equal(Usd.FromDecimal(75_000_000m), Usd.ForTokens(new TokenCost(1_000_000_000_000, Usd.FromDecimal(75m))));
        Assert.Throws<OverflowException>(() => Usd.ForTokens(new TokenCost(long.MaxValue, Usd.FromDecimal(1_000m))));
    }

    [Fact]
    public void Large_balances_add_exactly_and_overflow_throws_instead_of_wrapping()
    {
        var billion = Usd.FromDecimal(1_000_000_000m);
        Assert.Equal(Usd.FromDecimal(9_000_000_000m), billion + billion + billion + billion + billion + billion + billion + billion + billion);
        Assert.Throws<OverflowException>(() => Usd.FromDecimal(9_000_000_000m) + billion);
        Assert.Throws<OverflowException>(() => Usd.FromDecimal(10_000_000_000m));
    }

    [Fact]
    public void Amounts_finer_than_a_nano_dollar_are_refused()
    {
        Assert.Equal(1, Usd.FromDecimal(0.000000001m).Nanos);
        Assert.Throws<ArgumentOutOfRangeException>(() => Usd.FromDecimal(0.0000000001m));
    }

    [Fact]
    public void Negative_token_counts_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Usd.ForTokens(new TokenCost(-1, Usd.FromDecimal(1m))));
    }

    [Fact]
    public void Decimal_round_trip_is_exact()
    {
        Assert.Equal(0.99m, Usd.FromDecimal(0.99m).ToDecimal());
        Assert.Equal(990_000_000, Usd.FromCents(99).Nanos);
        Assert.Equal("-0.500000000", (-Usd.FromDecimal(0.5m)).ToString());
    }
}
