using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Money;
using Relay.Payments;

namespace Relay.Users.Payments;

public enum AlipayTopUpOutcome
{
    Created = 0,
    /// <summary>Relay:Payments:Alipay is not configured: no order was made.</summary>
    NotConfigured = 1,
    /// <summary>The amount is not a positive whole number of cents (at most $1,000,000).</summary>
    InvalidAmount = 2,
    /// <summary>The credit is below the minimum top-up (<see cref="AlipayTopUpResult.Minimum"/>).</summary>
    BelowMinimum = 3,
    UnknownAccount = 4,
    /// <summary>The random order number was taken by another order (vanishingly rare); try again.</summary>
    NumberTaken = 5,
}

/// <summary>A created order and the signed URL of Alipay's payment page for it, or why there is none.</summary>
public sealed record AlipayTopUpResult(AlipayTopUpOutcome Outcome, PaymentOrderView? Order, Uri? PayUrl, Usd Minimum);

/// <summary>
/// Creates Alipay top-up orders: quotes the CNY amount, makes the order in its grain and signs the page-pay URL.
/// The edge's <c>POST /api/topups/alipay</c> and the console's top-up page both go through here.
/// </summary>
public sealed class AlipayTopUps(IGrainFactory grains, AlipaySigner signer, TopUpOrderNumbers numbers, IOptions<PaymentsOptions> options)
{
    /// <summary>The largest top-up accepted in one order.</summary>
    public const decimal MaximumUsd = 1_000_000m;

    public bool IsConfigured => signer.IsConfigured;

    /// <summary>What paying <paramref name="usd"/> dollars costs in CNY, or null when Alipay is off or the amount is not whole cents.</summary>
    public TopUpQuote? Quote(decimal usd) =>
        IsConfigured && IsValidAmount(usd) ? CnyExchange.QuoteUsd(usd, options.Value.Alipay.UsdPerCny) : null;

    public static bool IsValidAmount(decimal usd) => usd > 0m && decimal.Round(usd, 2) == usd && usd <= MaximumUsd;

    public async Task<AlipayTopUpResult> CreateAsync(string accountId, decimal usd)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        if (!IsConfigured)
        {
            return new AlipayTopUpResult(AlipayTopUpOutcome.NotConfigured, null, null, Usd.Zero);
        }
        if (!IsValidAmount(usd))
        {
            return new AlipayTopUpResult(AlipayTopUpOutcome.InvalidAmount, null, null, Usd.Zero);
        }
        if ((await grains.GetGrain<IAccountGrain>(accountId).GetAsync()).CreatedAt is null)
        {
            return new AlipayTopUpResult(AlipayTopUpOutcome.UnknownAccount, null, null, Usd.Zero);
        }

        var alipay = options.Value.Alipay;
        var quote = CnyExchange.QuoteUsd(usd, alipay.UsdPerCny);
        var orderId = numbers.Next();
        var creation = await grains.GetGrain<IPaymentOrderGrain>(orderId)
            .CreateAsync(NewPaymentOrder.For(accountId, PaymentMethod.Alipay, quote, alipay.Subject));
        return creation switch
        {
            { Outcome: CreationOutcome.Created, Order: { } order } =>
                new AlipayTopUpResult(AlipayTopUpOutcome.Created, order, signer.PagePayUrl(order), creation.Minimum),
            { Outcome: CreationOutcome.BelowMinimum } => new AlipayTopUpResult(AlipayTopUpOutcome.BelowMinimum, null, null, creation.Minimum),
            _ => new AlipayTopUpResult(AlipayTopUpOutcome.NumberTaken, null, null, creation.Minimum),
        };
    }
}
