using Relay.Accounts;
using Relay.Money;
using Relay.Payments;
using Relay.Tests.Support;

namespace Relay.Tests.Payments;

[Collection(SharedSilo.Name)]
public sealed class PaymentOrderGrainTests(InProcessSilo silo)
{
    private static readonly TopUpQuote FiveDollars = CnyExchange.QuoteUsd(5.00m, FakeAlipay.UsdPerCny);

    [Fact]
    public async Task Confirming_a_payment_credits_the_account_once_under_the_order_entry_id()
    {
        var (account, order, orderId) = await NewOrderAsync(FiveDollars);

        var confirmation = await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m));

        Assert.Equal(ConfirmationOutcome.Credited, confirmation.Outcome);
        Assert.Equal(PaymentOrderStatus.Paid, confirmation.Order!.Status);
        Assert.Equal("T1", confirmation.Order.TradeNo);
        Assert.Equal(silo.Clock.GetUtcNow(), confirmation.Order.PaidAt);
        Assert.Equal(Usd.FromDecimal(5.00m), (await account.GetAsync()).Balance);
        var entry = Assert.Single(await account.GetLedgerAsync(null, 10));
        Assert.Equal("alipay:" + orderId, entry.EntryId);
        Assert.Equal(LedgerEntryKind.TopUp, entry.Kind);
        Assert.Equal(Usd.FromDecimal(5.00m), entry.Delta);
        Assert.Equal($"Alipay trade T1, order {orderId}, 36.24 CNY", entry.Reference);
    }

    [Fact]
    public async Task A_confirmation_after_a_crash_between_booking_and_saving_the_order_completes_it_without_crediting_again()
    {
        var (account, order, orderId) = await NewOrderAsync(FiveDollars);
        // What an activation that booked the credit and died before saving the order leaves behind.
        await account.PostAsync(new LedgerPosting("alipay:" + orderId, LedgerEntryKind.TopUp, Usd.FromDecimal(5.00m), "booked before a crash"));

        var confirmation = await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m));

        Assert.Equal(ConfirmationOutcome.Credited, confirmation.Outcome);
        Assert.Equal(PaymentOrderStatus.Paid, confirmation.Order!.Status);
        Assert.Equal(Usd.FromDecimal(5.00m), (await account.GetAsync()).Balance);
        Assert.Equal("booked before a crash", Assert.Single(await account.GetLedgerAsync(null, 10)).Reference);
    }

    [Fact]
    public async Task Twenty_concurrent_confirmations_credit_once()
    {
        var (account, order, _) = await NewOrderAsync(FiveDollars);

        var confirmations = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m))));

        Assert.Equal(1, confirmations.Count(c => c.Outcome == ConfirmationOutcome.Credited));
        Assert.Equal(19, confirmations.Count(c => c.Outcome == ConfirmationOutcome.AlreadyCredited));
        Assert.Equal(Usd.FromDecimal(5.00m), (await account.GetAsync()).Balance);
        Assert.Single(await account.GetLedgerAsync(null, 10));
    }

    [Fact]
    public async Task A_payment_of_another_amount_is_refused_and_credits_nothing()
    {
        var (account, order, _) = await NewOrderAsync(FiveDollars);

        var confirmation = await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.23m));

        Assert.Equal(ConfirmationOutcome.AmountMismatch, confirmation.Outcome);
        Assert.Equal(PaymentOrderStatus.Created, confirmation.Order!.Status);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
        Assert.Empty(await account.GetLedgerAsync(null, 10));
    }

    [Fact]
    public async Task A_second_trade_for_a_paid_order_credits_nothing()
    {
        var (account, order, _) = await NewOrderAsync(FiveDollars);
        await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m));

        var second = await order.ConfirmPaidAsync(new PaymentNotice("T2", 36.24m));

        Assert.Equal(ConfirmationOutcome.DifferentTrade, second.Outcome);
        Assert.Equal("T1", second.Order!.TradeNo);
        Assert.Equal(Usd.FromDecimal(5.00m), (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task A_paid_order_stays_paid_when_closed_and_a_closed_order_is_still_credited_when_paid()
    {
        var (account, paid, _) = await NewOrderAsync(FiveDollars);
        await paid.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m));

        Assert.Equal(PaymentOrderStatus.Paid, (await paid.CloseAsync("refunded"))!.Status);

        var closedFirst = silo.Grains.GetGrain<IPaymentOrderGrain>(NewOrderId());
        await closedFirst.CreateAsync(NewPaymentOrder.For(account.GetPrimaryKeyString(), PaymentMethod.Alipay, FiveDollars, "Relay top-up"));
        Assert.Equal(PaymentOrderStatus.Closed, (await closedFirst.CloseAsync("timed out"))!.Status);
        var late = await closedFirst.ConfirmPaidAsync(new PaymentNotice("T9", 36.24m));

        Assert.Equal(ConfirmationOutcome.Credited, late.Outcome);
        Assert.Equal(Usd.FromDecimal(10.00m), (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task Creating_an_order_again_with_the_same_terms_changes_nothing_and_with_other_terms_conflicts()
    {
        var (account, order, _) = await NewOrderAsync(FiveDollars);
        var terms = NewPaymentOrder.For(account.GetPrimaryKeyString(), PaymentMethod.Alipay, FiveDollars, "Relay top-up");

        Assert.Equal(CreationOutcome.AlreadyCreated, (await order.CreateAsync(terms)).Outcome);
        var other = NewPaymentOrder.For(account.GetPrimaryKeyString(), PaymentMethod.Alipay, CnyExchange.QuoteUsd(6m, FakeAlipay.UsdPerCny), "Relay top-up");
        var conflict = await order.CreateAsync(other);

        Assert.Equal(CreationOutcome.Conflict, conflict.Outcome);
        Assert.Equal(36.24m, conflict.Order!.AmountCny);
    }

    [Fact]
    public async Task An_order_below_the_minimum_top_up_is_not_made()
    {
        var account = await OpenAccountAsync();
        var order = silo.Grains.GetGrain<IPaymentOrderGrain>(NewOrderId());

        var creation = await order.CreateAsync(NewPaymentOrder.For(
            account.GetPrimaryKeyString(), PaymentMethod.Alipay, CnyExchange.QuoteUsd(0.98m, FakeAlipay.UsdPerCny), "Relay top-up"));

        Assert.Equal(CreationOutcome.BelowMinimum, creation.Outcome);
        Assert.Equal(Usd.FromDecimal(0.99m), creation.Minimum);
        Assert.Null(await order.GetAsync());
        Assert.Equal(ConfirmationOutcome.UnknownOrder, (await order.ConfirmPaidAsync(new PaymentNotice("T1", 7.11m))).Outcome);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task Orders_with_zero_negative_or_inconsistent_amounts_are_refused()
    {
        var account = (await OpenAccountAsync()).GetPrimaryKeyString();
        var order = silo.Grains.GetGrain<IPaymentOrderGrain>(NewOrderId());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            order.CreateAsync(new NewPaymentOrder(account, PaymentMethod.Alipay, 0m, 0.138m, Usd.Zero, "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            order.CreateAsync(new NewPaymentOrder(account, PaymentMethod.Alipay, -36.24m, 0.138m, Usd.FromDecimal(-5m), "")));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            order.CreateAsync(new NewPaymentOrder(account, PaymentMethod.Alipay, 36.24m, 0.138m, Usd.FromDecimal(50m), "")));

        Assert.Null(await order.GetAsync());
    }

    [Fact]
    public async Task A_paid_order_is_read_back_paid_after_reactivation()
    {
        var (_, order, orderId) = await NewOrderAsync(FiveDollars);
        await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m));

        await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var view = await order.GetAsync();
        Assert.Equal(PaymentOrderStatus.Paid, view!.Status);
        Assert.Equal("T1", view.TradeNo);
        Assert.Equal("alipay:" + orderId, view.LedgerEntryId);
        Assert.Equal(ConfirmationOutcome.AlreadyCredited, (await order.ConfirmPaidAsync(new PaymentNotice("T1", 36.24m))).Outcome);
    }

    internal static string NewOrderId() => "Rtest" + Guid.NewGuid().ToString("N");

    private async Task<IAccountGrain> OpenAccountAsync()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("payer@example.com");
        return account;
    }

    private async Task<(IAccountGrain Account, IPaymentOrderGrain Order, string OrderId)> NewOrderAsync(TopUpQuote quote)
    {
        var account = await OpenAccountAsync();
        var orderId = NewOrderId();
        var order = silo.Grains.GetGrain<IPaymentOrderGrain>(orderId);
        var creation = await order.CreateAsync(NewPaymentOrder.For(account.GetPrimaryKeyString(), PaymentMethod.Alipay, quote, "Relay top-up"));
        Assert.Equal(CreationOutcome.Created, creation.Outcome);
        return (account, order, orderId);
    }
}
