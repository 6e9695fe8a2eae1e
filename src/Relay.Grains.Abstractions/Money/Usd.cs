using System.Globalization;

namespace Relay.Money;

/// <summary>
/// An exact amount of US dollars in nano-dollars (10^-9 USD). Never passes through floating point.
/// </summary>
/// <remarks>
/// The one rounding rule: a call's cost is the exact sum, over its token kinds, of tokens x price per
/// million tokens, rounded up once to the next whole nano-dollar (<see cref="ForTokens"/>). A call is
/// therefore never undercharged and never overcharged by a whole nano-dollar. Arithmetic is checked:
/// an overflow throws instead of wrapping (the range is about +/- 9.2 billion dollars).
/// </remarks>
[GenerateSerializer, Immutable, Alias("Relay.Usd")]
public readonly record struct Usd([property: Id(0)] long Nanos) : IComparable<Usd>
{
    public const long NanosPerUsd = 1_000_000_000;

    public static Usd Zero => default;

    public bool IsPositive => Nanos > 0;

    /// <summary>Converts an exact decimal amount; refuses amounts finer than a nano-dollar or out of range.</summary>
    public static Usd FromDecimal(decimal usd)
    {
        var nanos = usd * NanosPerUsd;
        if (nanos != decimal.Truncate(nanos))
        {
            throw new ArgumentOutOfRangeException(nameof(usd), usd, "Amounts are exact to a nano-dollar (9 decimal places).");
        }
        if (nanos > long.MaxValue || nanos < long.MinValue)
        {
            throw new OverflowException($"{usd} USD is out of range.");
        }
        return new Usd((long)nanos);
    }

    public static Usd FromCents(long cents) => new(checked(cents * 10_000_000));

    public decimal ToDecimal() => (decimal)Nanos / NanosPerUsd;

    /// <summary>
    /// tokens x price (USD per million tokens, as nano-dollars per million) summed over kinds by the caller
    /// through <see cref="TokenCost"/>; this is the single place where rounding happens.
    /// </summary>
    public static Usd ForTokens(params ReadOnlySpan<TokenCost> lines)
    {
        Int128 nanoMillionths = 0;
        foreach (var line in lines)
        {
            if (line.Tokens < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(lines), line.Tokens, "Token counts are never negative.");
            }
            nanoMillionths += (Int128)line.Tokens * line.PricePerMillion.Nanos;
        }
        var nanos = (nanoMillionths + 999_999) / 1_000_000;
        return new Usd(checked((long)nanos));
    }

    public static Usd operator +(Usd a, Usd b) => new(checked(a.Nanos + b.Nanos));

    public static Usd operator -(Usd a, Usd b) => new(checked(a.Nanos - b.Nanos));

    public static Usd operator -(Usd a) => new(checked(-a.Nanos));

    public static bool operator <(Usd a, Usd b) => a.Nanos < b.Nanos;

    public static bool operator >(Usd a, Usd b) => a.Nanos > b.Nanos;

    public static bool operator <=(Usd a, Usd b) => a.Nanos <= b.Nanos;

    public static bool operator >=(Usd a, Usd b) => a.Nanos >= b.Nanos;

    public static Usd Max(Usd a, Usd b) => a >= b ? a : b;

    public int CompareTo(Usd other) => Nanos.CompareTo(other.Nanos);

    /// <summary>Dollars with all nine decimals, e.g. "1.250000000".</summary>
    public override string ToString() => ToDecimal().ToString("0.000000000", CultureInfo.InvariantCulture);
}

/// <summary>One line of a cost: a number of tokens at a price per million tokens.</summary>
public readonly record struct TokenCost(long Tokens, Usd PricePerMillion);
