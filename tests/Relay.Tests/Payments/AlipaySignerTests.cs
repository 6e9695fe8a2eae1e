using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Relay.EdgeApi.Payments;
using Relay.Users.Payments;
using Relay.Money;
using Relay.Payments;

namespace Relay.Tests.Payments;

public sealed class AlipaySignerTests
{
    [Fact]
    public void The_documented_notification_is_verified_over_its_parameters_less_sign_and_sign_type_sorted_and_joined()
    {
        var notification = AlipayWireExamples.Parse(AlipayWireExamples.Notification);

        var content = AlipaySigner.NotificationSignContent(notification);

        // The doc's rule applied to its own example: its documented string plus the gmt_create it forgot.
        Assert.Equal(
            "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46&gmt_create=2016-07-19 14:10:44&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0",
            content);
        Assert.Equal(AlipayWireExamples.DocumentedSignContent, content.Replace("gmt_create=2016-07-19 14:10:44&", "", StringComparison.Ordinal));
    }

    [Fact]
    public void A_request_is_signed_over_its_parameters_less_sign_and_empty_values_with_sign_type_kept()
    {
        var documented = AlipayWireExamples.Parse(AlipayWireExamples.DocumentedRequestSignContent);
        var request = documented.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).Reverse().ToList();
        request.Add(new("sign", "whatever"));
        request.Add(new("return_url", ""));
        request.Add(new("app_auth_token", null));

        Assert.Equal(AlipayWireExamples.DocumentedRequestSignContent, AlipaySigner.RequestSignContent(request));
    }

    [Fact]
    public void The_page_pay_url_carries_every_required_parameter_signed_with_the_merchant_key()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 30, 5, TimeSpan.Zero));
        var order = Order("R20261127083005123456789012", CnyExchange.QuoteUsd(5.00m, FakeAlipay.UsdPerCny));

        var url = FakeAlipay.Signer(clock).PagePayUrl(order);

        Assert.Equal("https://openapi.alipaydev.com/gateway.do", url.GetLeftPart(UriPartial.Path));
        var query = url.Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
        Assert.Equal(
            ["app_id", "biz_content", "charset", "format", "method", "notify_url", "return_url", "sign", "sign_type", "timestamp", "version"],
            query.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(FakeAlipay.AppId, query["app_id"]);
        Assert.Equal("alipay.trade.page.pay", query["method"]);
        Assert.Equal("utf-8", query["charset"]);
        Assert.Equal("json", query["format"]);
        Assert.Equal("RSA2", query["sign_type"]);
        Assert.Equal("1.0", query["version"]);
        Assert.Equal("2026-11-27 16:30:05", query["timestamp"]);
        Assert.Equal("https://relay.example.com/payments/alipay/notify", query["notify_url"]);
        Assert.Equal("https://relay.example.com/payments/alipay/return", query["return_url"]);
        Assert.Equal(
            """{"out_trade_no":"R20261127083005123456789012","total_amount":"36.24","subject":"Relay top-up","product_code":"FAST_INSTANT_TRADE_PAY"}""",
            query["biz_content"]);
        using (var biz = JsonDocument.Parse(query["biz_content"]))
        {
            Assert.Equal("36.24", biz.RootElement.GetProperty("total_amount").GetString());
        }

        var signed = string.Join("&", query.Where(p => p.Key != "sign").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        Assert.True(FakeAlipay.MerchantPublicKey.VerifyData(
            Encoding.UTF8.GetBytes(signed), Convert.FromBase64String(query["sign"]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void The_buyer_returns_to_the_configured_url_else_the_consoles_return_page_else_the_edges_own_page()
    {
        var configured = FakeAlipay.Options();
        configured.Alipay.ReturnUrl = "https://pay.example.com/back/{orderId}?from=alipay";
        configured.ConsoleBaseUrl = "https://console.example.com/";
        var console = FakeAlipay.Options();
        console.ConsoleBaseUrl = "https://console.example.com/";
        var prefixed = FakeAlipay.Options();
        prefixed.Alipay.NotifyUrl = "https://example.com/relay/payments/alipay/notify";

        Assert.Equal("https://pay.example.com/back/R1?from=alipay", Signer(configured).ReturnUrlFor("R1"));
        Assert.Equal("https://console.example.com/topup/return?order=R1", Signer(console).ReturnUrlFor("R1"));
        Assert.Equal("https://relay.example.com/payments/alipay/return", FakeAlipay.Signer().ReturnUrlFor("R1"));
        Assert.Equal("https://example.com/relay/payments/alipay/return", Signer(prefixed).ReturnUrlFor("R1"));
        Assert.True(new PaymentsOptionsValidator().Validate(null, configured).Succeeded);
        configured.ConsoleBaseUrl = "console";
        Assert.True(new PaymentsOptionsValidator().Validate(null, configured).Failed);
    }

    [Fact]
    public void A_notification_signed_by_alipay_verifies_and_any_change_or_other_key_does_not()
    {
        var signer = FakeAlipay.Signer();
        var genuine = FakeAlipay.Notification("R1", "36.24");

        Assert.True(signer.Verify(genuine));
        Assert.False(signer.Verify(new Dictionary<string, string>(genuine) { ["total_amount"] = "3624.00" }));
        Assert.False(signer.Verify(new Dictionary<string, string>(genuine) { ["extra"] = "x" }));
        Assert.False(signer.Verify(FakeAlipay.Notification("R1", "36.24", signedBy: FakeAlipay.Forger)));
        Assert.False(signer.Verify(new Dictionary<string, string>(genuine) { ["sign_type"] = "RSA" }));
        Assert.False(signer.Verify(new Dictionary<string, string>(genuine) { ["sign"] = "not base64!" }));
        Assert.False(signer.Verify(genuine.Where(p => p.Key != "sign").ToDictionary()));
    }

    [Fact]
    public void A_signature_whose_plus_signs_became_spaces_on_the_way_still_verifies()
    {
        var signer = FakeAlipay.Signer();
        Dictionary<string, string> genuine;
        var attempt = 0;
        do
        {
            genuine = FakeAlipay.Notification("R1", "36.24", tradeNo: $"20261127220014000{attempt++:D10}");
        }
        while (!genuine["sign"].Contains('+', StringComparison.Ordinal));

        var decodedTwice = new Dictionary<string, string>(genuine) { ["sign"] = genuine["sign"].Replace('+', ' ') };

        Assert.True(signer.Verify(decodedTwice));
    }

    [Fact]
    public void Keys_given_as_the_bare_base64_alipay_tools_print_work_like_pem()
    {
        var signer = FakeAlipay.Signer(bareBase64Keys: true);

        Assert.True(signer.Verify(FakeAlipay.Notification("R1", "36.24")));
        Assert.NotEmpty(signer.Sign("a=1"));
    }

    [Fact]
    public void Options_with_an_unreadable_key_fail_validation_and_unconfigured_options_pass()
    {
        var validator = new PaymentsOptionsValidator();
        var broken = FakeAlipay.Options();
        broken.Alipay.AlipayPublicKey = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
        broken.Alipay.UsdPerCny = 0m;

        var result = validator.Validate(null, broken);

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.True(validator.Validate(null, FakeAlipay.Options()).Succeeded);
        Assert.True(validator.Validate(null, new PaymentsOptions()).Succeeded);
    }

    private static AlipaySigner Signer(PaymentsOptions options) =>
        new(Microsoft.Extensions.Options.Options.Create(options), new FakeTimeProvider());

    private static PaymentOrderView Order(string orderId, TopUpQuote quote) => new(
        orderId, "acct", PaymentMethod.Alipay, quote.AmountCny, quote.UsdPerCny, quote.Credit, "Relay top-up",
        PaymentOrderStatus.Created, DateTimeOffset.UnixEpoch, null, null, null, null);
}
