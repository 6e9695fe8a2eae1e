using System.Globalization;
using System.Net;
using Relay.Payments;

namespace Relay.EdgeApi.Payments;

/// <summary>
/// The edge's page for a buyer whom Alipay sends back after paying (used when no console return page is configured).
/// It only shows the order's state: the money is credited by the asynchronous notification alone, so while that has
/// not arrived the page says so and looks again every few seconds.
/// </summary>
internal static class AlipayReturnPage
{
    public static string Render(PaymentOrderView order)
    {
        var amounts = string.Create(CultureInfo.InvariantCulture, $"¥{order.AmountCny:0.00} for ${order.Credit.ToDecimal():0.00}");
        var (heading, text, refresh) = order.Status switch
        {
            PaymentOrderStatus.Paid => ("Paid", $"Your top-up of {amounts} is credited to your balance.", false),
            PaymentOrderStatus.Closed => ("Closed", $"The order of {amounts} was closed without payment; nothing was charged.", false),
            _ => ("Waiting for Alipay", $"Your top-up of {amounts} is credited as soon as Alipay confirms the payment to Relay. This page looks again every 3 seconds.", true),
        };
        return Page(heading, $"<p>{Encode(text)}</p><p>Order <code>{Encode(order.OrderId)}</code></p>", refresh);
    }

    public static string Refused() => Page("Not an Alipay return",
        "<p>This link is not a return signed by Alipay for a Relay order. A payment you made is credited when Alipay notifies Relay; your balance shows it.</p>",
        refresh: false);

    private static string Page(string heading, string body, bool refresh) =>
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        (refresh ? "<meta http-equiv=\"refresh\" content=\"3\">" : "") +
        $"<title>Relay top-up: {Encode(heading)}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#111}}</style>" +
        $"</head><body><h1>{Encode(heading)}</h1>{body}</body></html>";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
