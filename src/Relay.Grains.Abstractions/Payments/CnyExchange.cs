using Relay.Money;

namespace Relay.Payments;

/// <summary>A top-up priced in CNY: what the buyer pays, what the account is credited, at which rate.</summary>
[GenerateSerializer, Immutable, Alias("Relay.TopUpQuote")]
public readonly record struct TopUpQuote(
    [property: Id(0)] decimal AmountCny,
    [property: Id(1)] Usd Credit,
    [property: Id(2)] decimal UsdPerCny);

/// <summary>
/// Converts between the CNY that Alipay charges and the USD that Relay credits, exactly, in decimal.
/// </summary>
/// <remarks>
/// The one rounding rule: the credit for a payment of C yuan at a rate of R dollars per yuan is C x R
/// rounded <b>down</b> to the cent (<see cref="CreditFor"/>). A top-up asked for in dollars is priced at the
/// smallest whole number of fen whose credit is at least the dollars asked (<see cref="QuoteUsd"/>); with any
/// rate below 1 USD per CNY that credit is exactly the dollars asked, because one fen is worth less than a cent.
/// </remarks>
public static class CnyExchange
{
    /// <summary>Alipay's largest order amount (total_amount is at most 100,000,000.00 yuan).</summary>
    public const decimal MaximumCny = 100_000_000m;

    /// <summary>The credit for paying <paramref name="amountCny"/>: amount x rate, rounded down to the cent.</summary>
    public static Usd CreditFor(decimal amountCny, decimal usdPerCny)
    {
        RequireCny(amountCny, nameof(amountCny));
        RequireRate(usdPerCny);
        var usd = decimal.Floor(amountCny * usdPerCny * 100m) / 100m;
        return Usd.FromDecimal(usd);
    }

    /// <summary>Prices a top-up of <paramref name="usd"/> dollars (a whole number of cents) in fen.</summary>
    public static TopUpQuote QuoteUsd(decimal usd, decimal usdPerCny)
    {
        if (usd <= 0m || decimal.Round(usd, 2) != usd)
        {
            throw new ArgumentOutOfRangeException(nameof(usd), usd, "A top-up is a positive whole number of cents.");
        }
        RequireRate(usdPerCny);
        var cny = decimal.Ceiling(usd / usdPerCny * 100m) / 100m;
        // Decimal division is exact to 28 digits; the step below only matters when it rounded across a fen.
        while (CreditFor(cny, usdPerCny).ToDecimal() < usd)
        {
            cny += 0.01m;
        }
        return new TopUpQuote(Fen(cny), CreditFor(cny, usdPerCny), usdPerCny);
    }

    /// <summary>The credit bought by paying <paramref name="amountCny"/> yuan (a whole number of fen).</summary>
    public static TopUpQuote QuoteCny(decimal amountCny, decimal usdPerCny) =>
        new(Fen(amountCny), CreditFor(amountCny, usdPerCny), usdPerCny);

    private static void RequireCny(decimal amountCny, string name)
    {
        if (amountCny <= 0m || decimal.Round(amountCny, 2) != amountCny || amountCny > MaximumCny)
        {
            throw new ArgumentOutOfRangeException(name, amountCny, "A CNY amount is a positive whole number of fen up to 100,000,000.00.");
        }
    }

    private static void RequireRate(decimal usdPerCny)
    {
        if (usdPerCny <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(usdPerCny), usdPerCny, "The exchange rate is positive.");
        }
    }

    /// <summary>The same amount written with exactly two decimals (35.7 becomes 35.70).</summary>
    private static decimal Fen(decimal amount) => decimal.Round(amount, 2) + 0.00m;
}
