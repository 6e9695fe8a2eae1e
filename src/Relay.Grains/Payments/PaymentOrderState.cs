using Relay.Money;

namespace Relay.Payments;

/// <summary>What a payment order grain persists; empty (no <see cref="AccountId"/>) until the order is created.</summary>
[GenerateSerializer, Alias("Relay.PaymentOrderState")]
public sealed class PaymentOrderState
{
    [Id(0)] public string? AccountId { get; set; }

    [Id(1)] public PaymentMethod Method { get; set; }

    [Id(2)] public decimal AmountCny { get; set; }

    [Id(3)] public decimal UsdPerCny { get; set; }

    [Id(4)] public Usd Credit { get; set; }

    [Id(5)] public string Subject { get; set; } = "";

    [Id(6)] public PaymentOrderStatus Status { get; set; }

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    [Id(8)] public DateTimeOffset? PaidAt { get; set; }

    [Id(9)] public DateTimeOffset? ClosedAt { get; set; }

    [Id(10)] public string? TradeNo { get; set; }

    [Id(11)] public string? LedgerEntryId { get; set; }

    [Id(12)] public string? Buyer { get; set; }

    [Id(13)] public string? CloseReason { get; set; }
}
