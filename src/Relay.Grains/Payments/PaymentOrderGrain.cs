using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Money;

namespace Relay.Payments;

/// <summary>
/// One top-up order. Paying it books one <see cref="LedgerEntryKind.TopUp"/> entry under the entry id
/// <c>alipay:&lt;order number&gt;</c>, so the account is credited once however often the payment is confirmed:
/// the grain answers replays from its state, and the ledger's entry-id uniqueness covers the rest (a crash
/// between booking and saving the order, or two activations of the same order).
/// </summary>
internal sealed partial class PaymentOrderGrain(
    [PersistentState("order", RelayStorage.Name)] IPersistentState<PaymentOrderState> state,
    IGrainFactory grains,
    IOptions<PaymentOrderOptions> options,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock,
    ILogger<PaymentOrderGrain> logger) : Grain, IPaymentOrderGrain
{
    private string Id => this.GetPrimaryKeyString();

    private bool Exists => state.State.AccountId is not null;

    public static string EntryIdOf(PaymentMethod method, string orderId) => method switch
    {
        PaymentMethod.Alipay => "alipay:" + orderId,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown payment method."),
    };

    public async Task<OrderCreation> CreateAsync(NewPaymentOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentException.ThrowIfNullOrWhiteSpace(order.AccountId);
        if (Id.Length > 64)
        {
            throw new ArgumentException("An order number is at most 64 characters (Alipay's out_trade_no).", nameof(order));
        }
        if (order.Credit != CnyExchange.CreditFor(order.AmountCny, order.UsdPerCny))
        {
            throw new ArgumentException(
                $"A credit of {order.Credit} USD is not what {order.AmountCny} CNY buys at {order.UsdPerCny} USD per CNY.", nameof(order));
        }

        var minimum = Usd.FromDecimal(options.Value.MinimumUsd);
        if (Exists)
        {
            var sameTerms = state.State.AccountId == order.AccountId && state.State.Method == order.Method
                && state.State.AmountCny == order.AmountCny && state.State.UsdPerCny == order.UsdPerCny
                && state.State.Credit == order.Credit;
            return new OrderCreation(sameTerms ? CreationOutcome.AlreadyCreated : CreationOutcome.Conflict, View(), minimum);
        }
        if (order.Credit < minimum)
        {
            return new OrderCreation(CreationOutcome.BelowMinimum, null, minimum);
        }

        state.State.AccountId = order.AccountId;
        state.State.Method = order.Method;
        state.State.AmountCny = order.AmountCny;
        state.State.UsdPerCny = order.UsdPerCny;
        state.State.Credit = order.Credit;
        state.State.Subject = order.Subject ?? "";
        state.State.Status = PaymentOrderStatus.Created;
        state.State.CreatedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        return new OrderCreation(CreationOutcome.Created, View(), minimum);
    }

    public Task<PaymentOrderView?> GetAsync() => Task.FromResult(View());

    public async Task<PaymentConfirmation> ConfirmPaidAsync(PaymentNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentException.ThrowIfNullOrWhiteSpace(notice.TradeNo);
        if (!Exists)
        {
            return new PaymentConfirmation(ConfirmationOutcome.UnknownOrder, null);
        }
        if (notice.TotalAmountCny != state.State.AmountCny)
        {
            LogAmountMismatch(Id, notice.TradeNo, notice.TotalAmountCny, state.State.AmountCny);
            return new PaymentConfirmation(ConfirmationOutcome.AmountMismatch, View());
        }
        if (state.State.Status == PaymentOrderStatus.Paid)
        {
            if (state.State.TradeNo == notice.TradeNo)
            {
                return new PaymentConfirmation(ConfirmationOutcome.AlreadyCredited, View());
            }
            LogDifferentTrade(Id, notice.TradeNo, state.State.TradeNo);
            return new PaymentConfirmation(ConfirmationOutcome.DifferentTrade, View());
        }

        // Created, or Closed by a timeout while the buyer was paying: money was taken, so it is credited.
        var entryId = EntryIdOf(state.State.Method, Id);
        var accountId = state.State.AccountId!;
        var account = grains.GetGrain<IAccountGrain>(accountId);
        var posting = new LedgerPosting(entryId, LedgerEntryKind.TopUp, state.State.Credit,
            $"{state.State.Method} trade {notice.TradeNo}, order {Id}, {state.State.AmountCny:0.00} CNY");
        var booked = await account.PostAsync(posting);
        if (booked.Outcome is not (PostingOutcome.Booked or PostingOutcome.AlreadyBooked))
        {
            LogAccountRefused(Id, accountId, booked.Outcome);
            return new PaymentConfirmation(ConfirmationOutcome.AccountRefused, View());
        }

        state.State.Status = PaymentOrderStatus.Paid;
        state.State.TradeNo = notice.TradeNo;
        state.State.Buyer = notice.Buyer;
        state.State.PaidAt = booked.Entry?.At ?? clock.GetUtcNow();
        state.State.LedgerEntryId = entryId;
        await state.WriteStateAsync();
        LogCredited(Id, accountId, state.State.Credit, notice.TradeNo);
        return new PaymentConfirmation(ConfirmationOutcome.Credited, View());
    }

    public async Task<PaymentOrderView?> CloseAsync(string reason)
    {
        if (!Exists)
        {
            return null;
        }
        if (state.State.Status == PaymentOrderStatus.Created)
        {
            state.State.Status = PaymentOrderStatus.Closed;
            state.State.ClosedAt = clock.GetUtcNow();
            state.State.CloseReason = reason;
            await state.WriteStateAsync();
        }
        else if (state.State.Status == PaymentOrderStatus.Paid)
        {
            // A paid trade closes when it is refunded in full; refunds are an operator's adjustment, never automatic.
            LogClosedAfterPaid(Id, reason);
        }
        return View();
    }

    private PaymentOrderView? View() => !Exists
        ? null
        : new PaymentOrderView(Id, state.State.AccountId!, state.State.Method, state.State.AmountCny, state.State.UsdPerCny,
            state.State.Credit, state.State.Subject, state.State.Status, state.State.CreatedAt, state.State.PaidAt,
            state.State.ClosedAt, state.State.TradeNo, state.State.LedgerEntryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} paid by trade {TradeNo}: account {AccountId} credited {Credit} USD")]
    private partial void LogCredited(string orderId, string accountId, Usd credit, string tradeNo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: trade {TradeNo} reports {Paid} CNY but the order is for {Expected} CNY; nothing credited")]
    private partial void LogAmountMismatch(string orderId, string tradeNo, decimal paid, decimal expected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId} was paid by trade {PaidBy} and now trade {TradeNo} reports paying it too; nothing credited, an operator should look")]
    private partial void LogDifferentTrade(string orderId, string tradeNo, string? paidBy);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: account {AccountId} refused the top-up ({Outcome}); nothing credited")]
    private partial void LogAccountRefused(string orderId, string accountId, PostingOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} was paid and is now reported closed ({Reason}), e.g. refunded; its credit stays, adjust by hand if money went back")]
    private partial void LogClosedAfterPaid(string orderId, string reason);
}
