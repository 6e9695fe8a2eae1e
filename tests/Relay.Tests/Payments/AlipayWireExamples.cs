namespace Relay.Tests.Payments;

/// <summary>
/// Verbatim text from shared/wire/alipay (see its SOURCES.md): the official async-notification example and the
/// string-to-verify the doc gives for it. Copied here because tests run from a clone without shared/.
/// </summary>
internal static class AlipayWireExamples
{
    /// <summary>notify-example.txt: raw (not form-encoded) parameters of the doc's example notification.</summary>
    public const string Notification =
        "total_amount=2.00&buyer_id=2088102116773037&body=大乐透2.1&trade_no=2016071921001003030200089909&refund_fee=0.00&notify_time=2016-07-19 14:10:49&subject=大乐透2.1&sign_type=RSA2&charset=utf-8&notify_type=trade_status_sync&out_trade_no=0719141034-6418&gmt_close=2016-07-19 14:10:46&gmt_payment=2016-07-19 14:10:47&trade_status=TRADE_SUCCESS&version=1.0&sign=kPbQIjX+xQc8F0/A6/AocELIjhhZnGbcBN6G4MM/HmfWL4ZiHM6fWl5NQhzXJusaklZ1LFuMo+lHQUELAYeugH8LYFvxnNajOvZhuxNFbN2LhF0l/KL8ANtj8oyPM4NN7Qft2kWJTDJUpQOzCzNnV9hDxh5AaT9FPqRS6ZKxnzM=&gmt_create=2016-07-19 14:10:44&app_id=2015102700040153&seller_id=2088102119685838&notify_id=4a91b7a78a503640467525113fb7d8bg8e";

    /// <summary>
    /// notify-sign-content.docs-verbatim.txt: the doc's string-to-verify for that example. It leaves out
    /// gmt_create, which the example contains; the doc's own rule keeps it (signing.md, "Doc inconsistency").
    /// </summary>
    public const string DocumentedSignContent =
        "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0";

    /// <summary>signing.md: the documented unsigned App-pay request (the request rule: sign_type signed, sorted).</summary>
    public const string DocumentedRequestSignContent =
        "app_id=2015052600090779&biz_content={\"timeout_express\":\"30m\",\"product_code\":\"QUICK_MSECURITY_PAY\",\"total_amount\":\"0.01\",\"subject\":\"1\",\"body\":\"我是测试数据\",\"out_trade_no\":\"IQJZSRC1YMQB5HU\"}&charset=utf-8&format=json&method=alipay.trade.app.pay&notify_url=http://domain.merchant.com/payment_notify&sign_type=RSA2&timestamp=2016-08-25 20:26:31&version=1.0";

    /// <summary>Splits raw <c>k=v&amp;...</c> text at each '&amp;' and each parameter's first '='.</summary>
    public static Dictionary<string, string> Parse(string raw) => raw.Split('&')
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
}
