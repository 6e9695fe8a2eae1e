using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Payments;

namespace Relay.Users.Payments;

/// <summary>
/// Alipay's RSA2 (SHA256withRSA, PKCS#1 v1.5) signatures: signs the page-pay request with the application's
/// private key and verifies asynchronous notifications with Alipay's public key. The two rules differ on
/// purpose (shared/wire/alipay/signing.md): a request signs <c>sign_type</c> and drops empty values; a
/// notification's signed content leaves out both <c>sign</c> and <c>sign_type</c>.
/// </summary>
public sealed class AlipaySigner(IOptions<PaymentsOptions> options, TimeProvider clock)
{
    public const string PagePayMethod = "alipay.trade.page.pay";
    public const string PagePayProduct = "FAST_INSTANT_TRADE_PAY";

    /// <summary>Replaced by the order number in <c>Relay:Payments:Alipay:ReturnUrl</c>.</summary>
    public const string OrderIdPlaceholder = "{orderId}";

    /// <summary>Alipay reads request timestamps as China Standard Time, which has no daylight saving.</summary>
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    private readonly AlipayOptions _alipay = options.Value.Alipay;
    private readonly string? _consoleBaseUrl = options.Value.ConsoleBaseUrl;

    public bool IsConfigured => _alipay.IsConfigured;

    public string? AppId => _alipay.AppId;

    public string? SellerId => _alipay.SellerId;

    /// <summary>
    /// The string a request's signature covers: every parameter but <c>sign</c> and those with empty values,
    /// sorted by name in ASCII order, joined as <c>name=value</c> with <c>&amp;</c>, values raw (not URL-encoded).
    /// </summary>
    public static string RequestSignContent(IEnumerable<KeyValuePair<string, string?>> parameters) =>
        Join(parameters.Where(p => p.Key != "sign" && !string.IsNullOrEmpty(p.Value)));

    /// <summary>
    /// The string a notification's signature covers: every posted parameter (URL-decoded) but <c>sign</c> and
    /// <c>sign_type</c>, sorted by name in ASCII order, joined as <c>name=value</c> with <c>&amp;</c>.
    /// </summary>
    public static string NotificationSignContent(IEnumerable<KeyValuePair<string, string>> notification) =>
        Join(notification.Where(p => p.Key is not ("sign" or "sign_type")).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));

    /// <summary>Base64 of SHA256withRSA over the UTF-8 bytes of <paramref name="content"/>, with the application's key.</summary>
    public string Sign(string content)
    {
        using var key = AlipayKeys.LoadPrivate(_alipay.MerchantPrivateKey);
        return Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>True when the notification carries an RSA2 signature by Alipay's key over its own parameters.</summary>
    public bool Verify(IReadOnlyDictionary<string, string> notification)
    {
        if (!IsConfigured
            || !notification.TryGetValue("sign", out var sign)
            || !notification.TryGetValue("sign_type", out var signType)
            || signType != "RSA2")
        {
            return false;
        }
        if (notification.TryGetValue("charset", out var charset) && !charset.Replace("-", "", StringComparison.Ordinal).Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            // Relay asks for utf-8 in every request, and Alipay notifies in the request's charset.
            return false;
        }

        byte[] signature;
        try
        {
            // Base64 has no spaces: a space is a '+' that a hop decoded once too often as form encoding.
            signature = Convert.FromBase64String(sign.Replace(' ', '+'));
        }
        catch (FormatException)
        {
            return false;
        }

        using var key = AlipayKeys.LoadPublic(_alipay.AlipayPublicKey);
        if (VerifyContent(key, NotificationSignContent(notification), signature))
        {
            return true;
        }
        // The docs sign every posted parameter; Alipay's own SDK request rule leaves out empty ones. Both strings
        // are fixed by the parameters, so accepting a signature by Alipay's key over either grants a forger nothing.
        return notification.Values.Any(string.IsNullOrEmpty)
            && VerifyContent(key, NotificationSignContent(notification.Where(p => !string.IsNullOrEmpty(p.Value))), signature);
    }

    /// <summary>The parameters of an <c>alipay.trade.page.pay</c> request for the order, signed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> PagePayParameters(PaymentOrderView order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (!IsConfigured)
        {
            throw new InvalidOperationException("Alipay is not configured (Relay:Payments:Alipay:AppId is empty).");
        }
        var parameters = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["app_id"] = _alipay.AppId,
            ["method"] = PagePayMethod,
            ["format"] = "json",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = clock.GetUtcNow().ToOffset(ChinaStandardTime).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["version"] = "1.0",
            ["notify_url"] = _alipay.NotifyUrl,
            ["return_url"] = ReturnUrlFor(order.OrderId),
            ["biz_content"] = BizContent(order),
        };
        parameters["sign"] = Sign(RequestSignContent(parameters));
        return parameters
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .Select(p => new KeyValuePair<string, string>(p.Key, p.Value!))
            .ToList();
    }

    /// <summary>
    /// Where Alipay sends the buyer's browser after paying the order: the configured return URL with the order number
    /// filled in, else the console's return page, else the edge's own return page beside the notify URL.
    /// </summary>
    public string? ReturnUrlFor(string orderId)
    {
        var order = Uri.EscapeDataString(orderId);
        if (!string.IsNullOrWhiteSpace(_alipay.ReturnUrl))
        {
            return _alipay.ReturnUrl.Replace(OrderIdPlaceholder, order, StringComparison.Ordinal);
        }
        if (!string.IsNullOrWhiteSpace(_consoleBaseUrl))
        {
            return $"{_consoleBaseUrl.TrimEnd('/')}/topup/return?order={order}";
        }
        // ".../payments/alipay/notify" resolves "return" to ".../payments/alipay/return", behind any path prefix.
        return Uri.TryCreate(_alipay.NotifyUrl, UriKind.Absolute, out var notify) ? new Uri(notify, "return").AbsoluteUri : null;
    }

    /// <summary>The gateway URL that opens Alipay's payment page for the order (a GET, every value URL-encoded in UTF-8).</summary>
    public Uri PagePayUrl(PaymentOrderView order)
    {
        var query = string.Join('&', PagePayParameters(order).Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        return new Uri(_alipay.GatewayUrl + (_alipay.GatewayUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
    }

    /// <summary>The page-pay business parameters: one JSON value, signed as it is sent.</summary>
    internal static string BizContent(PaymentOrderView order)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("out_trade_no", order.OrderId);
            json.WriteString("total_amount", order.AmountCny.ToString("0.00", CultureInfo.InvariantCulture));
            json.WriteString("subject", order.Subject);
            json.WriteString("product_code", PagePayProduct);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool VerifyContent(RSA key, string content, byte[] signature) =>
        key.VerifyData(Encoding.UTF8.GetBytes(content), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private static string Join(IEnumerable<KeyValuePair<string, string?>> parameters) =>
        string.Join('&', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
}
