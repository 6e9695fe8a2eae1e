using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Relay.Console.Tests.Support;

/// <summary>
/// Plays Alipay for the browser tests: its own RSA key pair signs the asynchronous notification exactly as Alipay
/// documents it (every parameter but sign and sign_type, sorted, joined, SHA256withRSA), and a second pair is Relay's
/// merchant key, which signs the page-pay URL the console sends the browser to.
/// </summary>
public sealed class AlipayStandIn : IDisposable
{
    public const string AppId = "2021000000000099";
    public const decimal UsdPerCny = 0.1380m;

    private readonly RSA _alipay = RSA.Create(2048);
    private readonly RSA _merchant = RSA.Create(2048);

    /// <summary>The settings the edge (verifies notifications) and the console (signs page-pay URLs) share.</summary>
    public Dictionary<string, string?> Settings(Uri gateway, Uri edge, Uri console) => new()
    {
        ["Relay:Payments:Alipay:GatewayUrl"] = gateway.AbsoluteUri,
        ["Relay:Payments:Alipay:AppId"] = AppId,
        ["Relay:Payments:Alipay:MerchantPrivateKey"] = _merchant.ExportPkcs8PrivateKeyPem(),
        ["Relay:Payments:Alipay:AlipayPublicKey"] = _alipay.ExportSubjectPublicKeyInfoPem(),
        ["Relay:Payments:Alipay:NotifyUrl"] = new Uri(edge, "/payments/alipay/notify").AbsoluteUri,
        ["Relay:Payments:Alipay:ReturnUrl"] = new Uri(console, "/topup/return").AbsoluteUri,
        ["Relay:Payments:Alipay:UsdPerCny"] = UsdPerCny.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>True when the page-pay URL the browser was sent to carries a valid signature by Relay's merchant key.</summary>
    public bool IsSignedByMerchant(Uri payUrl)
    {
        var query = QueryHelpers.ParseQuery(payUrl.Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var content = string.Join('&', query.Where(p => p.Key != "sign" && p.Value.Length > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        return _merchant.VerifyData(Encoding.UTF8.GetBytes(content), Convert.FromBase64String(query["sign"]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The order number and CNY amount of a page-pay URL (its biz_content).</summary>
    public static (string OrderId, string TotalAmount) OrderOf(Uri payUrl)
    {
        var biz = QueryHelpers.ParseQuery(payUrl.Query)["biz_content"].ToString();
        using var json = JsonDocument.Parse(biz);
        return (json.RootElement.GetProperty("out_trade_no").GetString()!, json.RootElement.GetProperty("total_amount").GetString()!);
    }

    /// <summary>The notification Alipay posts when the buyer paid the order, signed with Alipay's key.</summary>
    public FormUrlEncodedContent PaidNotification(string orderId, string totalAmount)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = AppId,
            ["charset"] = "utf-8",
            ["notify_id"] = Guid.NewGuid().ToString("N"),
            ["notify_time"] = "2026-11-27 10:00:00",
            ["notify_type"] = "trade_status_sync",
            ["out_trade_no"] = orderId,
            ["total_amount"] = totalAmount,
            ["trade_no"] = "2026112722001400000000" + orderId[^6..],
            ["trade_status"] = "TRADE_SUCCESS",
            ["version"] = "1.0",
        };
        var content = string.Join('&', fields.Select(p => p.Key + "=" + p.Value));
        fields["sign"] = Convert.ToBase64String(_alipay.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        fields["sign_type"] = "RSA2";
        return new FormUrlEncodedContent(fields);
    }

    public void Dispose()
    {
        _alipay.Dispose();
        _merchant.Dispose();
    }
}
