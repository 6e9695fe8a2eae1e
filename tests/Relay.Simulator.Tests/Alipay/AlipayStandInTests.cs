using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;
using Relay.Simulator.Alipay;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests.Alipay;

public sealed class AlipayStandInTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] TradeSuccessFields =
    [
        "app_id", "auth_app_id", "buyer_id", "buyer_logon_id", "buyer_pay_amount", "charset", "fund_bill_list", "gmt_create",
        "gmt_payment", "invoice_amount", "notify_id", "notify_time", "notify_type", "out_trade_no", "point_amount",
        "receipt_amount", "seller_email", "seller_id", "sign", "sign_type", "subject", "total_amount", "trade_no",
        "trade_status", "version",
    ];

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private SimulatorServer _sim = null!;
    private readonly HttpClient _browser = new(new HttpClientHandler { AllowAutoRedirect = false });

    public async Task InitializeAsync()
    {
        _sim = await SimulatorServer.StartAsync(configure: o =>
        {
            AlipayMerchant.ConfigureStandIn(o);
            o.Alipay.RetryDelays = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3)];
        }, clock: _clock);
    }

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    public void Dispose() => _browser.Dispose();

    [Fact]
    public async Task A_signed_page_pay_url_opens_a_page_showing_the_orders_subject_amount_and_number()
    {
        await using var merchant = await AlipayMerchant.StartAsync();

        using var page = await _browser.GetAsync(merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000001"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Relay top-up", html, StringComparison.Ordinal);
        Assert.Contains("¥36.24", html, StringComparison.Ordinal);
        Assert.Contains("R20260101000000000000000001", html, StringComparison.Ordinal);
        Assert.Contains("no real money moves", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_pay_url_altered_after_signing_or_signed_by_another_key_is_refused_and_cannot_be_paid()
    {
        await using var merchant = await AlipayMerchant.StartAsync();
        var cheaper = merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000002",
            alter: p => p["biz_content"] = p["biz_content"].Replace("36.24", "0.01", StringComparison.Ordinal));
        var stranger = merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000002", signedBy: AlipayMerchant.StrangerKey);

        using var altered = await _browser.GetAsync(cheaper);
        using var forged = await _browser.GetAsync(stranger);
        using var pressed = await PressPayAsync(QueryOf(cheaper));

        foreach (var refused in new[] { altered, forged, pressed })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("invalid-signature", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Empty(_sim.AlipayTrades.Snapshot());
        Assert.Equal(0, merchant.Pending);
    }

    [Fact]
    public async Task Paying_posts_a_notification_with_every_trade_success_field_signed_by_the_platform_key_and_returns_a_signed_return()
    {
        await using var merchant = await AlipayMerchant.StartAsync();
        var returnUrl = new Uri("http://127.0.0.1:9/topup/return?order=R20260101000000000000000003");

        using var paid = await PayAsync(merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000003", returnUrl: returnUrl));

        var notification = await merchant.NextNotificationAsync();
        Assert.Equal(TradeSuccessFields, notification.Keys.Order(StringComparer.Ordinal));
        Assert.True(AlipayMerchant.SignedByPlatform(notification));
        Assert.Equal("TRADE_SUCCESS", notification["trade_status"]);
        Assert.Equal("trade_status_sync", notification["notify_type"]);
        Assert.Equal("R20260101000000000000000003", notification["out_trade_no"]);
        Assert.Equal("36.24", notification["total_amount"]);
        Assert.Equal(AlipayMerchant.AppId, notification["app_id"]);
        Assert.Matches("^[0-9]{28}$", notification["trade_no"]);

        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var location = paid.Headers.Location!;
        Assert.StartsWith(returnUrl.AbsoluteUri + "&", location.AbsoluteUri, StringComparison.Ordinal);
        var returned = QueryHelpers.ParseQuery(location.Query).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Assert.True(AlipayMerchant.SignedByPlatform(returned.Where(p => p.Key != "order").ToDictionary()));
        Assert.Equal("alipay.trade.page.pay.return", returned["method"]);
        Assert.Equal(notification["trade_no"], returned["trade_no"]);
        Assert.Equal("36.24", returned["total_amount"]);
        Assert.True(Assert.Single(_sim.AlipayTrades.Snapshot()).Notified);
    }

    [Fact]
    public async Task A_notification_the_merchant_does_not_acknowledge_is_sent_again_on_the_schedule_until_it_answers_success()
    {
        await using var merchant = await AlipayMerchant.StartAsync(failures: 2);

        using var paid = await PayAsync(merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000004"));
        var first = await merchant.NextNotificationAsync();
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Contains("not yet", await paid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Each retry waits on the clock from before its predecessor is recorded: once recorded, moving the clock sends it.
        await _sim.AlipayTrades.WaitForAsync(t => t.Deliveries.Count == 1);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = await merchant.NextNotificationAsync();
        await _sim.AlipayTrades.WaitForAsync(t => t.Deliveries.Count == 2);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var third = await merchant.NextNotificationAsync();

        var trade = await _sim.AlipayTrades.WaitForAsync(t => t.Deliveries.Count == 3);
        Assert.Equal([false, false, true], trade.Deliveries.Select(d => d.Succeeded));
        Assert.Equal([first["notify_id"]], new[] { first, second, third }.Select(n => n["notify_id"]).Distinct());
        Assert.All(new[] { second, third }, n => Assert.True(AlipayMerchant.SignedByPlatform(n)));
        Assert.Equal(trade.Deliveries[^1].At, _clock.GetUtcNow());
    }

    [Fact]
    public async Task Pressing_pay_twice_opens_one_trade_and_sends_the_same_notification_again()
    {
        await using var merchant = await AlipayMerchant.StartAsync();
        var url = merchant.PagePayUrl(_sim.AlipayGatewayUrl, "R20260101000000000000000005");

        using var once = await PayAsync(url);
        using var twice = await PayAsync(url);

        var first = await merchant.NextNotificationAsync();
        var again = await merchant.NextNotificationAsync();
        Assert.Equal(first["trade_no"], again["trade_no"]);
        Assert.Equal(first["notify_id"], again["notify_id"]);
        var trade = Assert.Single(_sim.AlipayTrades.Snapshot());
        Assert.Equal(2, trade.Deliveries.Count);
    }

    [Fact]
    public async Task Without_its_keys_the_stand_in_is_off()
    {
        await using var plain = await SimulatorServer.StartAsync();
        await using var merchant = await AlipayMerchant.StartAsync();

        using var page = await _browser.GetAsync(merchant.PagePayUrl(plain.AlipayGatewayUrl, "R20260101000000000000000006"));

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("stand-in-off", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Opens the page as a browser would, then presses its button (the form posts to "pay" beside the gateway).</summary>
    private async Task<HttpResponseMessage> PayAsync(Uri pagePayUrl)
    {
        using var page = await _browser.GetAsync(pagePayUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await PressPayAsync(AlipayMerchant.PayForm(await page.Content.ReadAsStringAsync()));
    }

    private async Task<HttpResponseMessage> PressPayAsync(Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        return await _browser.PostAsync(new Uri(_sim.AlipayGatewayUrl, "pay"), content);
    }

    private static Dictionary<string, string> QueryOf(Uri url) =>
        QueryHelpers.ParseQuery(url.Query).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
}
