using System.Text;
using System.Text.Encodings.Web;

namespace Relay.Simulator.Alipay;

/// <summary>The stand-in's small HTML pages: the cashier with its one pay button, a refusal, and "paid".</summary>
internal static class AlipayPages
{
    private const string Banner = "Local Alipay stand-in (Relay's simulator, for tests and the quick start): no real money moves.";

    private const string Style = """
        body{font-family:system-ui,sans-serif;background:#f5f7fa;margin:0;padding:1rem;color:#1f2329}
        main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 4px #0002}
        .banner{background:#fff4e5;border:1px solid #f0b35b;border-radius:.5rem;padding:.5rem .75rem;font-size:.85rem}
        h1{color:#1677ff;font-size:1.4rem}dt{color:#646a73;font-size:.85rem;margin-top:.75rem}dd{margin:0;word-break:break-all}
        .amount{font-size:2rem;font-weight:600}button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1.1rem;border:0;
        border-radius:.5rem;background:#1677ff;color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #0b4fbf}
        """;

    /// <summary>The order and one button; the button posts the signed request back, which is verified again.</summary>
    public static string Cashier(PagePayRequest request, string appId)
    {
        var html = new StringBuilder();
        html.Append("<dl><dt>Order</dt><dd>").Append(E(request.Subject)).Append("</dd>")
            .Append("<dt>Amount</dt><dd class=\"amount\">¥").Append(E(request.TotalAmount)).Append(" <small>CNY</small></dd>")
            .Append("<dt>Order number (out_trade_no)</dt><dd><code>").Append(E(request.OutTradeNo)).Append("</code></dd>")
            .Append("<dt>Merchant (app_id)</dt><dd><code>").Append(E(appId)).Append("</code></dd></dl>")
            .Append("<form method=\"post\" action=\"pay\">");
        foreach (var (name, value) in request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            html.Append("<input type=\"hidden\" name=\"").Append(E(name)).Append("\" value=\"").Append(E(value)).Append("\">");
        }
        html.Append("<button type=\"submit\" autofocus>Pay ¥").Append(E(request.TotalAmount)).Append("</button></form>");
        return Page($"Pay ¥{request.TotalAmount}", html.ToString());
    }

    public static string Refused(GatewayError error) => Page("Payment request refused",
        $"<h2>The request was refused</h2><dl><dt>Error code</dt><dd><code>{E(error.Code)}</code></dd><dt>Reason</dt><dd>{E(error.Reason)}</dd></dl>");

    /// <summary>Shown when the merchant gave no <c>return_url</c> to send the browser back to.</summary>
    public static string Paid(AlipayTradeView trade) => Page("Paid",
        $"<h2>Paid ¥{E(trade.TotalAmount)}</h2><dl><dt>Order number</dt><dd><code>{E(trade.OutTradeNo)}</code></dd>" +
        $"<dt>Alipay trade number</dt><dd><code>{E(trade.TradeNo)}</code></dd><dt>Merchant notified</dt><dd>" +
        (trade.Notified ? "yes" : "not yet: the notification is sent again on Alipay's schedule") + "</dd></dl>");

    private static string Page(string title, string body) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        $"<title>Alipay stand-in · {E(title)}</title><style>{Style}</style></head><body><main>" +
        $"<p class=\"banner\" role=\"note\">{Banner}</p><h1>支付宝 Alipay</h1>{body}</main></body></html>";

    private static string E(string text) => HtmlEncoder.Default.Encode(text);
}
