using Relay.Accounts;
using Relay.EdgeApi.Payments;
using Relay.Users.Payments;
using Relay.Money;
using Relay.Payments;
using Relay.Tests.Support;

namespace Relay.Tests.Payments;

[Collection(SharedSilo.Name)]
public sealed class AlipayNotificationTests(InProcessSilo silo)
{
    private static readonly Usd FiveDollars = Usd.FromDecimal(5.00m);

    [Fact]
    public async Task A_valid_notification_credits_the_order_once_and_answers_success()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);

        var outcome = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24"));

        Assert.Equal(NotificationOutcome.Credited, outcome);
        Assert.Equal("success", outcome.Reply());
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        var order = await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync();
        Assert.Equal(PaymentOrderStatus.Paid, order!.Status);
        Assert.Equal("2026112722001400001234567890", order.TradeNo);
    }

    [Fact]
    public async Task A_notification_delivered_ten_more_times_credits_once_and_answers_success_each_time()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);
        var notification = FakeAlipay.Notification(orderId, "36.24");

        Assert.Equal(NotificationOutcome.Credited, await notifications.HandleAsync(notification));
        for (var i = 0; i < 10; i++)
        {
            var replay = await notifications.HandleAsync(notification);
            Assert.Equal(NotificationOutcome.AlreadyCredited, replay);
            Assert.Equal("success", replay.Reply());
        }

        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        Assert.Single(await account.GetLedgerAsync(null, 100));
    }

    [Fact]
    public async Task Twenty_concurrent_deliveries_credit_once()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);
        var notification = FakeAlipay.Notification(orderId, "36.24");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => notifications.HandleAsync(notification))));

        Assert.Equal(1, outcomes.Count(o => o == NotificationOutcome.Credited));
        Assert.Equal(19, outcomes.Count(o => o == NotificationOutcome.AlreadyCredited));
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        Assert.Single(await account.GetLedgerAsync(null, 100));
    }

    [Fact]
    public async Task A_notification_signed_by_another_key_is_refused_and_moves_no_money()
    {
        var (account, orderId) = await NewOrderAsync();

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(
            FakeAlipay.Notification(orderId, "36.24", signedBy: FakeAlipay.Forger));

        Assert.Equal(NotificationOutcome.BadSignature, outcome);
        Assert.Equal("failure", outcome.Reply());
        await AssertNothingMovedAsync(account, orderId);
    }

    [Fact]
    public async Task A_notification_whose_amount_was_altered_after_signing_is_refused()
    {
        var (account, orderId) = await NewOrderAsync();
        var altered = FakeAlipay.Notification(orderId, "0.01");
        altered["total_amount"] = "36.24";

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(altered);

        Assert.Equal(NotificationOutcome.BadSignature, outcome);
        await AssertNothingMovedAsync(account, orderId);
    }

    [Fact]
    public async Task A_genuine_notification_for_another_amount_is_refused()
    {
        var (account, orderId) = await NewOrderAsync();

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(FakeAlipay.Notification(orderId, "0.01"));

        Assert.Equal(NotificationOutcome.AmountMismatch, outcome);
        Assert.Equal("failure", outcome.Reply());
        await AssertNothingMovedAsync(account, orderId);
    }

    [Fact]
    public async Task A_genuine_notification_for_another_application_is_refused()
    {
        var (account, orderId) = await NewOrderAsync();

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(
            FakeAlipay.Notification(orderId, "36.24", appId: "2021000000009999"));

        Assert.Equal(NotificationOutcome.WrongApp, outcome);
        await AssertNothingMovedAsync(account, orderId);
    }

    [Fact]
    public async Task A_genuine_notification_for_another_seller_is_refused()
    {
        var (account, orderId) = await NewOrderAsync();

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(
            FakeAlipay.Notification(orderId, "36.24", alter: n => n["seller_id"] = "2088999999999999"));

        Assert.Equal(NotificationOutcome.WrongSeller, outcome);
        await AssertNothingMovedAsync(account, orderId);
    }

    [Fact]
    public async Task A_genuine_notification_for_an_order_relay_never_made_is_refused()
    {
        var orderId = PaymentOrderGrainTests.NewOrderId();

        var outcome = await FakeAlipay.Notifications(silo.Grains).HandleAsync(FakeAlipay.Notification(orderId, "36.24"));

        Assert.Equal(NotificationOutcome.UnknownOrder, outcome);
        Assert.Equal("failure", outcome.Reply());
        Assert.Null(await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync());
    }

    [Fact]
    public async Task Waiting_and_closed_statuses_after_payment_neither_uncredit_nor_credit_again()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);
        await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24"));

        var waiting = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "WAIT_BUYER_PAY"));
        var closed = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "TRADE_CLOSED"));
        var finished = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "TRADE_FINISHED"));

        Assert.Equal(NotificationOutcome.NothingToDo, waiting);
        Assert.Equal(NotificationOutcome.NothingToDo, closed);
        Assert.Equal(NotificationOutcome.AlreadyCredited, finished);
        Assert.All([waiting, closed, finished], o => Assert.Equal("success", o.Reply()));
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        Assert.Single(await account.GetLedgerAsync(null, 100));
        Assert.Equal(PaymentOrderStatus.Paid, (await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync())!.Status);
    }

    [Fact]
    public async Task A_closed_order_that_is_then_reported_paid_is_credited_once()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);

        var closed = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "TRADE_CLOSED"));
        Assert.Equal(NotificationOutcome.Closed, closed);
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);

        var paid = await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "TRADE_FINISHED"));

        Assert.Equal(NotificationOutcome.Credited, paid);
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task A_genuine_notification_with_an_unknown_status_or_no_trade_number_is_refused()
    {
        var (account, orderId) = await NewOrderAsync();
        var notifications = FakeAlipay.Notifications(silo.Grains);

        Assert.Equal(NotificationOutcome.UnknownStatus,
            await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", status: "TRADE_PENDING")));
        Assert.Equal(NotificationOutcome.Malformed,
            await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", alter: n => n.Remove("trade_no"))));
        Assert.Equal(NotificationOutcome.Malformed,
            await notifications.HandleAsync(FakeAlipay.Notification(orderId, "36.24", alter: n => n["total_amount"] = "36.245")));
        await AssertNothingMovedAsync(account, orderId);
    }

    private async Task<(IAccountGrain Account, string OrderId)> NewOrderAsync()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("payer@example.com");
        var orderId = PaymentOrderGrainTests.NewOrderId();
        var creation = await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).CreateAsync(NewPaymentOrder.For(
            account.GetPrimaryKeyString(), PaymentMethod.Alipay, CnyExchange.QuoteUsd(5.00m, FakeAlipay.UsdPerCny), "Relay top-up"));
        Assert.Equal(CreationOutcome.Created, creation.Outcome);
        return (account, orderId);
    }

    private async Task AssertNothingMovedAsync(IAccountGrain account, string orderId)
    {
        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
        Assert.Empty(await account.GetLedgerAsync(null, 100));
        Assert.Equal(PaymentOrderStatus.Created, (await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync())!.Status);
    }
}
