using System.Globalization;
using Microsoft.Extensions.Logging;
using Relay.Payments;
using Relay.Users.Payments;

namespace Relay.EdgeApi.Payments;

/// <summary>What became of one Alipay notification.</summary>
public enum NotificationOutcome
{
    /// <summary>The payment credited the order's account now.</summary>
    Credited = 0,
    /// <summary>The order was already paid and credited: a replay, nothing changed.</summary>
    AlreadyCredited = 1,
    /// <summary>An unpaid order was closed.</summary>
    Closed = 2,
    /// <summary>A status that changes nothing here (waiting for payment, or closed after being paid).</summary>
    NothingToDo = 3,
    BadSignature = 4,
    WrongApp = 5,
    WrongSeller = 6,
    UnknownOrder = 7,
    AmountMismatch = 8,
    /// <summary>A required parameter is missing, repeated or unreadable.</summary>
    Malformed = 9,
    UnknownStatus = 10,
    /// <summary>The order could not be credited (another trade paid it, or its account refused the credit).</summary>
    NotCredited = 11,
}

public static class NotificationOutcomes
{
    /// <summary>True when Alipay may stop sending the notification: it was handled, now or before.</summary>
    public static bool IsHandled(this NotificationOutcome outcome) =>
        outcome is NotificationOutcome.Credited or NotificationOutcome.AlreadyCredited
            or NotificationOutcome.Closed or NotificationOutcome.NothingToDo;

    /// <summary>The reply body Alipay expects: exactly <c>success</c>, or anything else (<c>failure</c>) to be sent again.</summary>
    public static string Reply(this NotificationOutcome outcome) => outcome.IsHandled() ? "success" : "failure";
}

/// <summary>
/// Handles Alipay's asynchronous payment notifications: verifies the signature, checks that the notification is
/// for Relay's application and an order Relay made, for that order's amount, and then credits the order once.
/// A notification that fails any check moves no money.
/// </summary>
internal sealed partial class AlipayNotifications(AlipaySigner signer, IGrainFactory grains, ILogger<AlipayNotifications> logger)
{
    public async Task<NotificationOutcome> HandleAsync(IReadOnlyDictionary<string, string> notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (!signer.Verify(notification))
        {
            LogRefused(Value(notification, "out_trade_no"), NotificationOutcome.BadSignature);
            return NotificationOutcome.BadSignature;
        }
        var outcome = await HandleVerifiedAsync(notification);
        if (!outcome.IsHandled())
        {
            LogRefused(Value(notification, "out_trade_no"), outcome);
        }
        return outcome;
    }

    private async Task<NotificationOutcome> HandleVerifiedAsync(IReadOnlyDictionary<string, string> notification)
    {
        if (Value(notification, "app_id") != signer.AppId)
        {
            return NotificationOutcome.WrongApp;
        }
        if (!string.IsNullOrEmpty(signer.SellerId) && Value(notification, "seller_id") is { } seller && seller != signer.SellerId)
        {
            return NotificationOutcome.WrongSeller;
        }
        if (Value(notification, "out_trade_no") is not { Length: > 0 and <= 64 } orderId)
        {
            return NotificationOutcome.Malformed;
        }

        var order = grains.GetGrain<IPaymentOrderGrain>(orderId);
        if (await order.GetAsync() is null)
        {
            return NotificationOutcome.UnknownOrder;
        }

        var tradeNo = Value(notification, "trade_no");
        switch (Value(notification, "trade_status"))
        {
            case "TRADE_SUCCESS" or "TRADE_FINISHED":
                if (string.IsNullOrEmpty(tradeNo) || !TryParseYuan(Value(notification, "total_amount"), out var total))
                {
                    return NotificationOutcome.Malformed;
                }
                var confirmation = await order.ConfirmPaidAsync(new PaymentNotice(tradeNo, total, Value(notification, "buyer_id")));
                return confirmation.Outcome switch
                {
                    ConfirmationOutcome.Credited => NotificationOutcome.Credited,
                    ConfirmationOutcome.AlreadyCredited => NotificationOutcome.AlreadyCredited,
                    ConfirmationOutcome.UnknownOrder => NotificationOutcome.UnknownOrder,
                    ConfirmationOutcome.AmountMismatch => NotificationOutcome.AmountMismatch,
                    _ => NotificationOutcome.NotCredited,
                };
            case "TRADE_CLOSED":
                var closed = await order.CloseAsync($"Alipay reported trade {tradeNo} closed");
                return closed?.Status == PaymentOrderStatus.Closed && closed.PaidAt is null
                    ? NotificationOutcome.Closed
                    : NotificationOutcome.NothingToDo;
            case "WAIT_BUYER_PAY":
                return NotificationOutcome.NothingToDo;
            default:
                return NotificationOutcome.UnknownStatus;
        }
    }

    /// <summary>Alipay's amounts are yuan with at most two decimals, e.g. "20" or "2.00".</summary>
    private static bool TryParseYuan(string? text, out decimal yuan) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out yuan)
        && yuan > 0m && decimal.Round(yuan, 2) == yuan;

    private static string? Value(IReadOnlyDictionary<string, string> notification, string name) =>
        notification.TryGetValue(name, out var value) ? value : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alipay notification for order {OrderId} refused: {Outcome}; nothing credited")]
    private partial void LogRefused(string? orderId, NotificationOutcome outcome);
}
