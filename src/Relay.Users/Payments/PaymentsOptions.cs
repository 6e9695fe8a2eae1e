namespace Relay.Users.Payments;

/// <summary>
/// The edge's side of top-ups, from configuration section <c>Relay:Payments</c>. The minimum top-up
/// (<c>Relay:Payments:MinimumUsd</c>) is enforced by the payment order grain, so it is the silo's setting.
/// </summary>
public sealed class PaymentsOptions
{
    public const string Section = "Relay:Payments";

    public AlipayOptions Alipay { get; set; } = new();

    /// <summary>
    /// The console's public URL, e.g. https://console.example.com. When set (and <see cref="AlipayOptions.ReturnUrl"/>
    /// is not), Alipay returns buyers to the console's page <c>{ConsoleBaseUrl}/topup/return?order={orderId}</c>.
    /// </summary>
    public string? ConsoleBaseUrl { get; set; }

    public ReceiptOptions Receipts { get; set; } = new();
}

/// <summary>Relay's Alipay open-platform application. Top-ups by Alipay are off while <see cref="AppId"/> is empty.</summary>
public sealed class AlipayOptions
{
    /// <summary>The open-platform gateway; the sandbox is https://openapi.alipaydev.com/gateway.do.</summary>
    public string GatewayUrl { get; set; } = "https://openapi.alipay.com/gateway.do";

    public string? AppId { get; set; }

    /// <summary>The application's RSA private key: PKCS#8 PEM, or the bare Base64 that Alipay's key tool prints.</summary>
    public string? MerchantPrivateKey { get; set; }

    /// <summary>Alipay's RSA public key (not the application's own): PEM, or bare Base64.</summary>
    public string? AlipayPublicKey { get; set; }

    /// <summary>The public URL of <c>POST /payments/alipay/notify</c>, where Alipay reports payments.</summary>
    public string? NotifyUrl { get; set; }

    /// <summary>
    /// Where the buyer's browser returns after paying; <c>{orderId}</c> in it is replaced by the order number. Unset,
    /// it is the console's return page when <see cref="PaymentsOptions.ConsoleBaseUrl"/> is set, else the edge's own
    /// <c>/payments/alipay/return</c> beside <see cref="NotifyUrl"/>.
    /// </summary>
    public string? ReturnUrl { get; set; }

    /// <summary>When set, a notification's <c>seller_id</c> must be this merchant id (2088...).</summary>
    public string? SellerId { get; set; }

    /// <summary>Dollars credited per yuan paid, e.g. 0.1380. Decimal and exact; see <c>CnyExchange</c> for the rounding.</summary>
    public decimal UsdPerCny { get; set; }

    /// <summary>The order title the buyer sees on Alipay's page.</summary>
    public string Subject { get; set; } = "Relay top-up";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId);
}

public sealed class ReceiptOptions
{
    /// <summary>The name printed as the receipt's issuer.</summary>
    public string Issuer { get; set; } = "Relay";
}
