using System.Net;
using System.Text;

namespace Relay.Users.Payments;

/// <summary>A top-up receipt as a self-contained, printable HTML page.</summary>
public static class ReceiptHtml
{
    public static string Render(TopUpReceipt receipt)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Receipt 
            """).Append(Encode(receipt.Number)).Append("""
            </title>
            <style>
            body { font-family: system-ui, sans-serif; color: #111; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
            h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
            table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
            th, td { text-align: left; padding: 0.5rem 0.25rem; border-bottom: 1px solid #ddd; vertical-align: top; }
            th { width: 40%; font-weight: 600; }
            .note { margin-top: 1.5rem; color: #555; font-size: 0.875rem; }
            @media print { body { margin: 0; } .no-print { display: none; } }
            </style>
            </head>
            <body>
            """).Append('\n');
        html.Append("<h1>").Append(Encode(receipt.Issuer)).Append(" top-up receipt</h1>\n");
        html.Append("<p class=\"no-print\"><button onclick=\"window.print()\">Print</button></p>\n");
        html.Append("<table>\n");
        foreach (var (label, value) in receipt.Lines)
        {
            html.Append("<tr><th>").Append(Encode(label)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
        html.Append("<p class=\"note\">Prepaid credit for Relay usage. Credits do not expire.</p>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
