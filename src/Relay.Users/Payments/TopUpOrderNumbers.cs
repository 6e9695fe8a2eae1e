using System.Globalization;
using System.Security.Cryptography;

namespace Relay.Users.Payments;

/// <summary>
/// New order numbers (Alipay's <c>out_trade_no</c>, at most 64 characters): <c>R</c>, the UTC time to the second
/// and 12 random digits, e.g. <c>R20261127081500482913305716</c>. 10^12 numbers per second make a collision
/// unlikely, and the order grain refuses to reuse a number with other terms if one happens.
/// </summary>
public sealed class TopUpOrderNumbers(TimeProvider clock)
{
    private const int RandomDigits = 12;

    public string Next()
    {
        Span<char> digits = stackalloc char[RandomDigits];
        for (var i = 0; i < digits.Length; i++)
        {
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        }
        return "R" + clock.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + new string(digits);
    }
}
