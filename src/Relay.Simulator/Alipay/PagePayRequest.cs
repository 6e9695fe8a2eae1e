using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace Relay.Simulator.Alipay;

/// <summary>Why the gateway refused a request: Alipay shows an error page with a code and a reason.</summary>
internal sealed record GatewayError(string Code, string Reason);

/// <summary>
/// A verified <c>alipay.trade.page.pay</c> request: the parameters exactly as the merchant signed them (the pay
/// button posts them back and they are verified again) and the order they describe.
/// </summary>
internal sealed record PagePayRequest(
    IReadOnlyDictionary<string, string> Parameters,
    string OutTradeNo,
    string TotalAmount,
    string Subject,
    string? Body,
    string? PassbackParams,
    Uri? NotifyUrl,
    Uri? ReturnUrl)
{
    public const string Method = "alipay.trade.page.pay";
    public const string ProductCode = "FAST_INSTANT_TRADE_PAY";

    private static readonly string[] s_required = ["app_id", "method", "charset", "sign_type", "sign", "timestamp", "version", "biz_content"];

    /// <summary>Reads and verifies the request; null with <paramref name="error"/> when Alipay would refuse it.</summary>
    public static PagePayRequest? Read(
        IEnumerable<KeyValuePair<string, StringValues>> raw, AlipayStandInOptions options, RSA merchantKey, out GatewayError? error)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in raw)
        {
            if (values.Count != 1)
            {
                error = new GatewayError("invalid-parameter", $"The parameter {name} is given more than once.");
                return null;
            }
            parameters[name] = values.ToString();
        }
        foreach (var name in s_required)
        {
            if (!parameters.TryGetValue(name, out var value) || value.Length == 0)
            {
                error = new GatewayError("missing-required-parameter", $"The request has no {name}.");
                return null;
            }
        }
        if (parameters["app_id"] != options.AppId)
        {
            error = new GatewayError("invalid-app-id", $"This stand-in serves app_id {options.AppId}, not {parameters["app_id"]}.");
            return null;
        }
        if (parameters["sign_type"] != "RSA2")
        {
            error = new GatewayError("invalid-sign-type", "The stand-in accepts RSA2 signatures only.");
            return null;
        }
        if (!parameters["charset"].Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            error = new GatewayError("invalid-charset", "The stand-in reads utf-8 requests only.");
            return null;
        }
        // Form decoding turns a '+' that was not percent-encoded into a space; Base64 never has spaces.
        if (!AlipaySignatures.Verify(merchantKey, AlipaySignatures.RequestContent(parameters), parameters["sign"].Replace(' ', '+')))
        {
            error = new GatewayError("invalid-signature",
                "The signature does not verify with the merchant's public key: check the string signed and the key pair.");
            return null;
        }
        if (parameters["method"] != Method)
        {
            error = new GatewayError("invalid-method", $"The stand-in serves {Method} only, not {parameters["method"]}.");
            return null;
        }
        return ReadOrder(parameters, out error);
    }

    private static PagePayRequest? ReadOrder(Dictionary<string, string> parameters, out GatewayError? error)
    {
        error = null;
        Dictionary<string, JsonElement> biz;
        try
        {
            biz = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parameters["biz_content"]) ?? [];
        }
        catch (JsonException)
        {
            error = new GatewayError("invalid-parameter", "biz_content is not a JSON object.");
            return null;
        }
        var outTradeNo = Text(biz, "out_trade_no");
        var totalAmount = Text(biz, "total_amount");
        var subject = Text(biz, "subject");
        if (outTradeNo is not { Length: > 0 and <= 64 })
        {
            error = new GatewayError("invalid-parameter", "biz_content.out_trade_no must have 1 to 64 characters.");
        }
        else if (!IsYuan(totalAmount))
        {
            error = new GatewayError("invalid-parameter", "biz_content.total_amount must be yuan from 0.01 to 100000000 with at most two decimals.");
        }
        else if (subject is not { Length: > 0 and <= 256 })
        {
            error = new GatewayError("invalid-parameter", "biz_content.subject must have 1 to 256 characters.");
        }
        else if (Text(biz, "product_code") != ProductCode)
        {
            error = new GatewayError("invalid-parameter", $"biz_content.product_code must be {ProductCode} for page pay.");
        }
        var notifyUrl = Url(parameters, "notify_url", ref error);
        var returnUrl = Url(parameters, "return_url", ref error);
        return error is null
            ? new PagePayRequest(parameters, outTradeNo!, totalAmount!, subject!, Text(biz, "body"), Text(biz, "passback_params"), notifyUrl, returnUrl)
            : null;
    }

    private static Uri? Url(Dictionary<string, string> parameters, string name, ref GatewayError? error)
    {
        if (!parameters.TryGetValue(name, out var text) || text.Length == 0)
        {
            return null;
        }
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }
        error ??= new GatewayError("invalid-parameter", $"{name} must be an absolute http or https URL.");
        return null;
    }

    private static string? Text(Dictionary<string, JsonElement> biz, string name) =>
        biz.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool IsYuan(string? text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan)
        && yuan is >= 0.01m and <= 100_000_000m && decimal.Round(yuan, 2) == yuan;
}
