namespace Relay.Simulator.Alipay;

/// <summary>
/// The Alipay stand-in (section <c>Simulator:Alipay</c>): a local page-pay gateway for tests and the quick start. It
/// is off until both keys are set, and its keys are made on the machine that runs it: a notification it signs
/// verifies only for an edge configured with this stand-in's platform public key, never with Alipay's real one.
/// </summary>
public sealed class AlipayStandInOptions
{
    /// <summary>Alipay's real schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h: eight notifications) compressed to minutes.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15),
    ];

    /// <summary>The one merchant application the stand-in serves; requests for another app id are refused.</summary>
    public string AppId { get; set; } = "local-alipay-standin";

    /// <summary>The merchant's Alipay user id the stand-in reports as <c>seller_id</c> (2088 and 12 digits).</summary>
    public string SellerId { get; set; } = "2088000000000001";

    /// <summary>The merchant's RSA public key (PEM), which page-pay requests must be signed for.</summary>
    public string? MerchantPublicKey { get; set; }

    /// <summary>The stand-in's own "Alipay" RSA private key (PEM), which signs notifications and returns.</summary>
    public string? PlatformPrivateKey { get; set; }

    /// <summary>Waits between notification deliveries after one fails; empty or unset means <see cref="DefaultRetryDelays"/>.</summary>
    public List<TimeSpan>? RetryDelays { get; set; }

    /// <summary>How long a click waits for the first delivery before sending the browser back (later ones run on).</summary>
    public TimeSpan FirstDeliveryWait { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(MerchantPublicKey) && !string.IsNullOrWhiteSpace(PlatformPrivateKey);

    internal IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays is { Count: > 0 } delays ? delays : DefaultRetryDelays;
}
