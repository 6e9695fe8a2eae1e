namespace Relay.Payments;

/// <summary>The rules every payment order grain applies; bound from configuration section "Relay:Payments".</summary>
public sealed class PaymentOrderOptions
{
    public const string Section = "Relay:Payments";

    /// <summary>The smallest credit a top-up may buy, in USD.</summary>
    public decimal MinimumUsd { get; set; } = 0.99m;
}
