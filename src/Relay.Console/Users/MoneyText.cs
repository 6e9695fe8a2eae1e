using System.Globalization;
using Relay.Money;

namespace Relay.Console.Users;

/// <summary>How the console writes amounts: exact to the nano-dollar, without trailing zeros past the cents.</summary>
internal static class MoneyText
{
    /// <summary>"$4.99", "$0.000123456", "-$0.10": every nano-dollar the ledger holds, never rounded.</summary>
    public static string Format(Usd amount)
    {
        var text = Math.Abs(amount.ToDecimal()).ToString("#,##0.00#######", CultureInfo.InvariantCulture);
        return (amount.Nanos < 0 ? "-$" : "$") + text;
    }

    public static string Tokens(long count) => count.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
