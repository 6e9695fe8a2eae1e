using Relay.Money;
using Relay.Payments;

namespace Relay.Tests.Payments;

public sealed class CnyExchangeTests
{
    [Theory]
    [InlineData("5.00", "0.1380", "36.24", "5.00")]
    [InlineData("0.99", "0.1380", "7.18", "0.99")]
    [InlineData("100.00", "0.14", "714.29", "100.00")]
    [InlineData("1.40", "0.14", "10.00", "1.40")]
    [InlineData("10.00", "0.1379653", "72.49", "10.00")]
    public void A_top_up_in_dollars_costs_the_fewest_fen_whose_credit_is_exactly_the_dollars(string usd, string rate, string cny, string credit)
    {
        var quote = CnyExchange.QuoteUsd(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(cny, quote.AmountCny.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Usd.FromDecimal(decimal.Parse(credit, System.Globalization.CultureInfo.InvariantCulture)), quote.Credit);
        Assert.True(CnyExchange.CreditFor(quote.AmountCny - 0.01m, quote.UsdPerCny) < quote.Credit, "one fen less buys less");
    }

    [Fact]
    public void Every_cent_amount_up_to_a_hundred_dollars_is_credited_exactly_at_a_rate_below_one()
    {
        for (var cents = 1; cents <= 10_000; cents++)
        {
            var usd = cents / 100m;
            var quote = CnyExchange.QuoteUsd(usd, 0.1383m);
            Assert.Equal(Usd.FromCents(cents), quote.Credit);
        }
    }

    [Fact]
    public void The_credit_for_yuan_is_rounded_down_to_the_cent()
    {
        Assert.Equal(Usd.FromDecimal(1.38m), CnyExchange.CreditFor(10m, 0.1380m));
        Assert.Equal(Usd.FromDecimal(0.13m), CnyExchange.CreditFor(0.99m, 0.1380m)); // 0.13662
        Assert.Equal(Usd.Zero, CnyExchange.CreditFor(0.01m, 0.1380m));
        Assert.Equal("36.20", CnyExchange.QuoteCny(36.2m, 0.138m).AmountCny.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("0.001")]
    [InlineData("100000000.01")]
    public void Zero_negative_fractional_fen_and_over_the_limit_yuan_are_refused(string cny)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CnyExchange.CreditFor(decimal.Parse(cny, System.Globalization.CultureInfo.InvariantCulture), 0.138m));
    }

    [Fact]
    public void Zero_negative_and_sub_cent_dollars_and_a_non_positive_rate_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CnyExchange.QuoteUsd(0m, 0.138m));
        Assert.Throws<ArgumentOutOfRangeException>(() => CnyExchange.QuoteUsd(-5m, 0.138m));
        Assert.Throws<ArgumentOutOfRangeException>(() => CnyExchange.QuoteUsd(1.001m, 0.138m));
        Assert.Throws<ArgumentOutOfRangeException>(() => CnyExchange.QuoteUsd(5m, 0m));
    }
}
