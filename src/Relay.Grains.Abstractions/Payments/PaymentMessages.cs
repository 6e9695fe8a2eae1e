using Relay.Money;

namespace Relay.Payments;

/// <summary>How a top-up is paid.</summary>
public enum PaymentMethod
{
    Alipay = 1,
}

public enum PaymentOrderStatus
{
    Created = 0,
    Paid = 1,
    Closed = 2,
}

/// <summary>
/// The terms of a new order: the buyer pays <see cref="AmountCny"/> and the account is credited
/// <see cref="Credit"/>, which must be <see cref="CnyExchange.CreditFor"/> of that amount at <see cref="UsdPerCny"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.NewPaymentOrder")]
public sealed record NewPaymentOrder(
    [property: Id(0)] string AccountId,
    [property: Id(1)] PaymentMethod Method,
    [property: Id(2)] decimal AmountCny,
    [property: Id(3)] decimal UsdPerCny,
    [property: Id(4)] Usd Credit,
    [property: Id(5)] string Subject)
{
    /// <summary>The terms for paying <paramref name="quote"/> into an account.</summary>
    public static NewPaymentOrder For(string accountId, PaymentMethod method, TopUpQuote quote, string subject) =>
        new(accountId, method, quote.AmountCny, quote.UsdPerCny, quote.Credit, subject);
}

/// <summary>An order as its grain holds it.</summary>
[GenerateSerializer, Immutable, Alias("Relay.PaymentOrderView")]
public sealed record PaymentOrderView(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string AccountId,
    [property: Id(2)] PaymentMethod Method,
    [property: Id(3)] decimal AmountCny,
    [property: Id(4)] decimal UsdPerCny,
    [property: Id(5)] Usd Credit,
    [property: Id(6)] string Subject,
    [property: Id(7)] PaymentOrderStatus Status,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? PaidAt,
    [property: Id(10)] DateTimeOffset? ClosedAt,
    [property: Id(11)] string? TradeNo,
    [property: Id(12)] string? LedgerEntryId);

public enum CreationOutcome
{
    Created = 0,
    /// <summary>An order with this number and the same terms exists: nothing changed.</summary>
    AlreadyCreated = 1,
    /// <summary>An order with this number exists with other terms: nothing changed.</summary>
    Conflict = 2,
    /// <summary>The credit is below the configured minimum top-up: no order was made.</summary>
    BelowMinimum = 3,
}

/// <summary>The result of creating an order; <see cref="Minimum"/> is the smallest credit accepted.</summary>
[GenerateSerializer, Immutable, Alias("Relay.OrderCreation")]
public sealed record OrderCreation(
    [property: Id(0)] CreationOutcome Outcome,
    [property: Id(1)] PaymentOrderView? Order,
    [property: Id(2)] Usd Minimum);

/// <summary>A verified report from the payment provider that the buyer paid.</summary>
[GenerateSerializer, Immutable, Alias("Relay.PaymentNotice")]
public sealed record PaymentNotice(
    [property: Id(0)] string TradeNo,
    [property: Id(1)] decimal TotalAmountCny,
    [property: Id(2)] string? Buyer = null);

public enum ConfirmationOutcome
{
    /// <summary>This confirmation credited the account.</summary>
    Credited = 0,
    /// <summary>The order was paid and credited before; nothing changed.</summary>
    AlreadyCredited = 1,
    UnknownOrder = 2,
    /// <summary>The amount paid is not the order's amount: nothing credited.</summary>
    AmountMismatch = 3,
    /// <summary>The order was paid by another trade; nothing changed and an operator should look.</summary>
    DifferentTrade = 4,
    /// <summary>The account refused the credit (it does not exist): nothing credited.</summary>
    AccountRefused = 5,
}

[GenerateSerializer, Immutable, Alias("Relay.PaymentConfirmation")]
public sealed record PaymentConfirmation(
    [property: Id(0)] ConfirmationOutcome Outcome,
    [property: Id(1)] PaymentOrderView? Order)
{
    /// <summary>True when the order is now paid and its credit booked, by this confirmation or an earlier one.</summary>
    public bool IsPaid => Outcome is ConfirmationOutcome.Credited or ConfirmationOutcome.AlreadyCredited;
}
