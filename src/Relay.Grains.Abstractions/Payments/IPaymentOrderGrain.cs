namespace Relay.Payments;

/// <summary>
/// One top-up order, keyed by Relay's order number (Alipay's <c>out_trade_no</c>). Created, then either
/// paid (its account credited exactly once) or closed.
/// </summary>
public interface IPaymentOrderGrain : IGrainWithStringKey
{
    /// <summary>Creates the order; creating it again with the same terms changes nothing.</summary>
    Task<OrderCreation> CreateAsync(NewPaymentOrder order);

    /// <summary>The order now, or null when no order has this number.</summary>
    Task<PaymentOrderView?> GetAsync();

    /// <summary>Marks the order paid and credits its account once, however often and concurrently it is confirmed.</summary>
    Task<PaymentConfirmation> ConfirmPaidAsync(PaymentNotice notice);

    /// <summary>Closes an unpaid order; a paid order stays paid. Null when no order has this number.</summary>
    Task<PaymentOrderView?> CloseAsync(string reason);
}
