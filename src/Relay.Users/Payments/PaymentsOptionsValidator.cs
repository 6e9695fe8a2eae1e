using Microsoft.Extensions.Options;

namespace Relay.Users.Payments;

/// <summary>When Alipay is configured at all, everything it needs must be there and the keys must load.</summary>
internal sealed class PaymentsOptionsValidator : IValidateOptions<PaymentsOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentsOptions options)
    {
        var alipay = options.Alipay;
        if (!alipay.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (!Uri.TryCreate(alipay.GatewayUrl, UriKind.Absolute, out _))
        {
            failures.Add("Relay:Payments:Alipay:GatewayUrl must be an absolute URL.");
        }
        if (!Uri.TryCreate(alipay.NotifyUrl, UriKind.Absolute, out _))
        {
            failures.Add("Relay:Payments:Alipay:NotifyUrl must be the absolute public URL of /payments/alipay/notify.");
        }
        if (!string.IsNullOrWhiteSpace(alipay.ReturnUrl)
            && !Uri.TryCreate(alipay.ReturnUrl.Replace(AlipaySigner.OrderIdPlaceholder, "R1", StringComparison.Ordinal), UriKind.Absolute, out _))
        {
            failures.Add("Relay:Payments:Alipay:ReturnUrl must be an absolute URL (it may hold {orderId}).");
        }
        if (!string.IsNullOrWhiteSpace(options.ConsoleBaseUrl) && !Uri.TryCreate(options.ConsoleBaseUrl, UriKind.Absolute, out _))
        {
            failures.Add("Relay:Payments:ConsoleBaseUrl must be an absolute URL.");
        }
        if (alipay.UsdPerCny <= 0m)
        {
            failures.Add("Relay:Payments:Alipay:UsdPerCny must be a positive decimal (USD per CNY).");
        }
        Check(() => AlipayKeys.LoadPrivate(alipay.MerchantPrivateKey).Dispose(), "Relay:Payments:Alipay:MerchantPrivateKey", failures);
        Check(() => AlipayKeys.LoadPublic(alipay.AlipayPublicKey).Dispose(), "Relay:Payments:Alipay:AlipayPublicKey", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(Action load, string key, List<string> failures)
    {
        try
        {
            load();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            failures.Add($"{key} is not a usable RSA key: {e.Message}");
        }
    }
}
