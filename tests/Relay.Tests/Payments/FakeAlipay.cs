using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.EdgeApi.Payments;
using Relay.Users.Payments;

namespace Relay.Tests.Payments;

/// <summary>
/// Stands in for Alipay: its own RSA key pair signs notifications the way the doc says (every parameter but
/// sign and sign_type, sorted, joined, SHA256withRSA), and a second pair is the merchant's (Relay's) key.
/// </summary>
internal sealed class FakeAlipay
{
    public const string AppId = "2021000000000001";
    public const string SellerId = "2088000000000001";
    public const decimal UsdPerCny = 0.1380m;

    // 2048-bit keys take a moment to generate: one pair each for the whole test run.
    private static readonly RSA AlipayKey = RSA.Create(2048);
    private static readonly RSA MerchantKey = RSA.Create(2048);
    private static readonly RSA ForgerKey = RSA.Create(2048);

    public static RSA MerchantPublicKey => MerchantKey;

    public static Dictionary<string, string?> Configuration => new()
    {
        ["Relay:Payments:Alipay:GatewayUrl"] = "https://openapi.alipaydev.com/gateway.do",
        ["Relay:Payments:Alipay:AppId"] = AppId,
        ["Relay:Payments:Alipay:SellerId"] = SellerId,
        ["Relay:Payments:Alipay:MerchantPrivateKey"] = MerchantKey.ExportPkcs8PrivateKeyPem(),
        ["Relay:Payments:Alipay:AlipayPublicKey"] = AlipayKey.ExportSubjectPublicKeyInfoPem(),
        ["Relay:Payments:Alipay:NotifyUrl"] = "https://relay.example.com/payments/alipay/notify",
        ["Relay:Payments:Alipay:UsdPerCny"] = UsdPerCny.ToString(CultureInfo.InvariantCulture),
    };

    public static PaymentsOptions Options(bool bareBase64Keys = false) => new()
    {
        Alipay = new AlipayOptions
        {
            GatewayUrl = "https://openapi.alipaydev.com/gateway.do",
            AppId = AppId,
            SellerId = SellerId,
            MerchantPrivateKey = bareBase64Keys
                ? Convert.ToBase64String(MerchantKey.ExportPkcs8PrivateKey())
                : MerchantKey.ExportPkcs8PrivateKeyPem(),
            AlipayPublicKey = bareBase64Keys
                ? Convert.ToBase64String(AlipayKey.ExportSubjectPublicKeyInfo())
                : AlipayKey.ExportSubjectPublicKeyInfoPem(),
            NotifyUrl = "https://relay.example.com/payments/alipay/notify",
            UsdPerCny = UsdPerCny,
        },
    };

    public static AlipaySigner Signer(TimeProvider? clock = null, bool bareBase64Keys = false) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(bareBase64Keys)), clock ?? new FakeTimeProvider());

    public static AlipayNotifications Notifications(IGrainFactory grains) =>
        new(Signer(), grains, NullLogger<AlipayNotifications>.Instance);

    /// <summary>A notification as Alipay posts it for the order, signed by Alipay's key.</summary>
    public static Dictionary<string, string> Notification(
        string orderId, string totalAmount, string status = "TRADE_SUCCESS", string tradeNo = "2026112722001400001234567890",
        string appId = AppId, RSA? signedBy = null, Action<Dictionary<string, string>>? alter = null)
    {
        var notification = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["gmt_create"] = "2026-11-27 16:00:01",
            ["charset"] = "utf-8",
            ["seller_email"] = "pay@relay.example.com",
            ["subject"] = "Relay top-up",
            ["buyer_id"] = "2088102177846875",
            ["invoice_amount"] = totalAmount,
            ["notify_id"] = "2026112700222160002042000500000001",
            ["fund_bill_list"] = $"[{{\"amount\":\"{totalAmount}\",\"fundChannel\":\"ALIPAYACCOUNT\"}}]",
            ["notify_type"] = "trade_status_sync",
            ["trade_status"] = status,
            ["receipt_amount"] = totalAmount,
            ["buyer_pay_amount"] = totalAmount,
            ["app_id"] = appId,
            ["auth_app_id"] = appId,
            ["notify_time"] = "2026-11-27 16:00:05",
            ["point_amount"] = "0.00",
            ["total_amount"] = totalAmount,
            ["seller_id"] = SellerId,
            ["version"] = "1.0",
            ["trade_no"] = tradeNo,
            ["out_trade_no"] = orderId,
            ["gmt_payment"] = "2026-11-27 16:00:04",
        };
        alter?.Invoke(notification);
        notification["sign_type"] = "RSA2";
        notification["sign"] = Sign(notification, signedBy ?? AlipayKey);
        return notification;
    }

    /// <summary>Signs as a stranger would: right format, wrong key.</summary>
    public static RSA Forger => ForgerKey;

    /// <summary>The doc's rule, written out here independently of the code under test.</summary>
    private static string Sign(Dictionary<string, string> notification, RSA key)
    {
        var content = string.Join("&", notification
            .Where(p => p.Key != "sign" && p.Key != "sign_type")
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        return Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
