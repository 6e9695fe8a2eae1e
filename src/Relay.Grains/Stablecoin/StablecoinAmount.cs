using System.Numerics;
using Relay.Money;

namespace Relay.Stablecoin;

/// <summary>Token units to dollars at 1:1, exactly or not at all.</summary>
public static class StablecoinAmount
{
    /// <summary>
    /// The dollars <paramref name="units"/> of a token with <paramref name="decimals"/> decimals are worth, or null when
    /// they are not a whole number of nano-dollars (more than 9 decimals with dust below a nano-dollar) or out of range.
    /// </summary>
    public static Usd? ToUsd(BigInteger units, int decimals)
    {
        if (units.Sign <= 0 || decimals is < 0 or > 77)
        {
            return null;
        }
        BigInteger nanos;
        if (decimals <= 9)
        {
            nanos = units * BigInteger.Pow(10, 9 - decimals);
        }
        else
        {
            nanos = BigInteger.DivRem(units, BigInteger.Pow(10, decimals - 9), out var dust);
            if (!dust.IsZero)
            {
                return null;
            }
        }
        return nanos <= long.MaxValue ? new Usd((long)nanos) : null;
    }
}
