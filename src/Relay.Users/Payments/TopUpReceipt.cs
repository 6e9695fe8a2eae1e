using System.Globalization;
using Relay.Accounts;
using Relay.Money;
using Relay.Payments;

namespace Relay.Users.Payments;

/// <summary>What a top-up receipt states. Only a paid order has one.</summary>
public sealed record TopUpReceipt(
    string Number,
    DateTimeOffset PaidAt,
    string Payer,
    string AccountId,
    Usd Amount,
    decimal AmountCny,
    decimal UsdPerCny,
    string Method,
    string Reference,
    string Issuer)
{
    /// <summary>The receipt of a paid order, or null when the order does not exist or is not paid.</summary>
    public static async Task<TopUpReceipt?> ForOrderAsync(IGrainFactory grains, string orderId, string issuer)
    {
        var order = await grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync();
        if (order is not { Status: PaymentOrderStatus.Paid, PaidAt: { } paidAt })
        {
            return null;
        }
        var account = await grains.GetGrain<IAccountGrain>(order.AccountId).GetAsync();
        return new TopUpReceipt(order.OrderId, paidAt, account.Email ?? order.AccountId, order.AccountId, order.Credit,
            order.AmountCny, order.UsdPerCny, MethodName(order.Method), order.TradeNo ?? "", issuer);
    }

    /// <summary>The credit in dollars and cents, e.g. "$5.00" (credits are whole cents by the exchange rule).</summary>
    public string AmountText => "$" + Amount.ToDecimal().ToString("#,##0.00", CultureInfo.InvariantCulture) + " USD";

    public string PaidText => "CNY " + AmountCny.ToString("#,##0.00", CultureInfo.InvariantCulture);

    public string RateText => UsdPerCny.ToString("0.############", CultureInfo.InvariantCulture) + " USD per CNY";

    public string DateText => PaidAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The receipt's lines, label and value, in the order both renderings print them.</summary>
    public IReadOnlyList<(string Label, string Value)> Lines =>
    [
        ("Receipt number", Number),
        ("Date", DateText),
        ("Payer", Payer),
        ("Account", AccountId),
        ("Amount credited", AmountText),
        ("Amount paid", PaidText),
        ("Exchange rate", RateText),
        ("Payment method", Method),
        ("Reference", Reference),
    ];

    private static string MethodName(PaymentMethod method) => method switch
    {
        PaymentMethod.Alipay => "Alipay",
        _ => method.ToString(),
    };
}
