using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Relay.Accounts;
using Relay.EdgeApi.Payments;
using Relay.EdgeApi.Users;
using Relay.Money;
using Relay.Payments;
using Relay.Simulator.Hosting;
using Relay.Tests.Support;

namespace Relay.Tests.Payments;

/// <summary>
/// The quick start's way of paying by Alipay, end to end over HTTP: an edge (AddPayments/MapPaymentsApi on the test
/// silo) whose gateway is the simulator's Alipay stand-in, with a key pair for each side as the quick start makes them.
/// The edge's own notification verification decides; nothing here signs for the stand-in.
/// </summary>
[Collection(SharedSilo.Name)]
public sealed partial class AlipayStandInTests(InProcessSilo silo) : IAsyncLifetime, IDisposable
{
    private const string AppId = "local-alipay-standin";

    private static readonly RSA MerchantKey = RSA.Create(2048);
    private static readonly RSA PlatformKey = RSA.Create(2048);
    private static readonly Usd FiveDollars = Usd.FromDecimal(5.00m);

    private readonly HttpClient _browser = new(new HttpClientHandler { AllowAutoRedirect = false });
    private SimulatorServer _sim = null!;
    private WebApplication? _edge;
    private Uri _edgeUrl = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorServer.StartAsync(configure: o =>
        {
            o.Alipay.AppId = AppId;
            o.Alipay.MerchantPublicKey = MerchantKey.ExportSubjectPublicKeyInfoPem();
            o.Alipay.PlatformPrivateKey = PlatformKey.ExportPkcs8PrivateKeyPem();
        });
        _edgeUrl = new Uri($"http://127.0.0.1:{TestServices.FreePort()}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_edgeUrl.AbsoluteUri);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Relay:Users:SessionSecret"] = "alipay-stand-in-tests-session-secret-0123456789",
            ["Relay:Payments:Alipay:AppId"] = AppId,
            ["Relay:Payments:Alipay:GatewayUrl"] = _sim.AlipayGatewayUrl.AbsoluteUri,
            ["Relay:Payments:Alipay:MerchantPrivateKey"] = MerchantKey.ExportPkcs8PrivateKeyPem(),
            ["Relay:Payments:Alipay:AlipayPublicKey"] = PlatformKey.ExportSubjectPublicKeyInfoPem(),
            ["Relay:Payments:Alipay:NotifyUrl"] = new Uri(_edgeUrl, "/payments/alipay/notify").AbsoluteUri,
            ["Relay:Payments:Alipay:SellerId"] = "2088000000000001",
            ["Relay:Payments:Alipay:UsdPerCny"] = FakeAlipay.UsdPerCny.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton(silo.Grains);
        builder.Services.AddSingleton<TimeProvider>(silo.Clock);
        builder.Services.AddUserApi(builder.Configuration);
        builder.Services.AddPayments(builder.Configuration);
        _edge = builder.Build();
        _edge.MapPaymentsApi();
        await _edge.StartAsync();
    }

    public void Dispose() => _browser.Dispose();

    public async Task DisposeAsync()
    {
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task Paying_on_the_stand_in_credits_the_order_once_and_the_edges_return_page_shows_it_paid()
    {
        var (account, orderId, payUrl) = await NewTopUpAsync();
        Assert.StartsWith(_sim.AlipayGatewayUrl.AbsoluteUri + "?", payUrl.AbsoluteUri, StringComparison.Ordinal);

        using var paid = await PayAsync(payUrl);

        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var returnPage = paid.Headers.Location!;
        Assert.StartsWith(new Uri(_edgeUrl, "/payments/alipay/return?").AbsoluteUri, returnPage.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        var order = (await silo.Grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync())!;
        Assert.Equal(PaymentOrderStatus.Paid, order.Status);
        var trade = Assert.Single(_sim.AlipayTrades.Snapshot(), t => t.OutTradeNo == orderId);
        Assert.Equal(trade.TradeNo, order.TradeNo);
        Assert.Equal("success", Assert.Single(trade.Deliveries).Reply);

        using var shown = await _browser.GetAsync(returnPage);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        var html = await shown.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Paid</h1>", html, StringComparison.Ordinal);
        Assert.Contains("¥36.24 for $5.00", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pressing_pay_again_delivers_the_notification_again_and_credits_once()
    {
        var (account, orderId, payUrl) = await NewTopUpAsync();

        using var once = await PayAsync(payUrl);
        using var twice = await PayAsync(payUrl);

        Assert.Equal(HttpStatusCode.Redirect, twice.StatusCode);
        var trade = Assert.Single(_sim.AlipayTrades.Snapshot(), t => t.OutTradeNo == orderId);
        Assert.Equal(["success", "success"], trade.Deliveries.Select(d => d.Reply));
        Assert.Equal(FiveDollars, (await account.GetAsync()).Balance);
        Assert.Single(await account.GetLedgerAsync(null, 100));
    }

    [Fact]
    public async Task A_stand_in_notification_altered_on_the_way_is_refused_and_moves_no_money()
    {
        var (_, paidOrder, payUrl) = await NewTopUpAsync();
        var (other, otherOrder, _) = await NewTopUpAsync();
        using var paid = await PayAsync(payUrl);
        var genuine = Assert.Single(_sim.AlipayTrades.Snapshot(), t => t.OutTradeNo == paidOrder).Deliveries[0].Notification;

        var redirected = await NotifyAsync(new Dictionary<string, string>(genuine) { ["out_trade_no"] = otherOrder });
        var cheaper = await NotifyAsync(new Dictionary<string, string>(genuine) { ["total_amount"] = "0.01" });
        var replayed = await NotifyAsync(new Dictionary<string, string>(genuine));

        Assert.Equal("failure", redirected);
        Assert.Equal("failure", cheaper);
        Assert.Equal("success", replayed);
        Assert.Equal(Usd.Zero, (await other.GetAsync()).Balance);
        Assert.Equal(PaymentOrderStatus.Created, (await silo.Grains.GetGrain<IPaymentOrderGrain>(otherOrder).GetAsync())!.Status);
    }

    [Fact]
    public async Task A_return_link_altered_after_the_stand_in_signed_it_shows_no_order()
    {
        var (_, orderId, payUrl) = await NewTopUpAsync();
        var (_, otherOrder, _) = await NewTopUpAsync();
        using var paid = await PayAsync(payUrl);

        var altered = new Uri(paid.Headers.Location!.AbsoluteUri.Replace(orderId, otherOrder, StringComparison.Ordinal));
        using var shown = await _browser.GetAsync(altered);

        Assert.Equal(HttpStatusCode.BadRequest, shown.StatusCode);
        Assert.DoesNotContain(otherOrder, await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<(IAccountGrain Account, string OrderId, Uri PayUrl)> NewTopUpAsync()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("payer@example.com");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_edgeUrl, "/api/topups/alipay"))
        {
            Content = JsonContent.Create(new { amountUsd = 5.00m }),
        };
        // The person tops up their own account, signed in.
        var session = _edge!.Services.GetRequiredService<SessionTokens>().Issue(account.GetPrimaryKeyString()).Token;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var created = await _browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<AlipayTopUpCreated>())!;
        return (account, body.OrderId, new Uri(body.PayUrl));
    }

    /// <summary>Opens the stand-in's page as a browser would and presses its pay button (a form posted to "pay").</summary>
    private async Task<HttpResponseMessage> PayAsync(Uri payUrl)
    {
        using var page = await _browser.GetAsync(payUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = HiddenInput().Matches(await page.Content.ReadAsStringAsync()).ToDictionary(
            m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value), StringComparer.Ordinal);
        using var content = new FormUrlEncodedContent(form);
        return await _browser.PostAsync(new Uri(_sim.AlipayGatewayUrl, "pay"), content);
    }

    private async Task<string> NotifyAsync(Dictionary<string, string> notification)
    {
        using var form = new FormUrlEncodedContent(notification);
        using var response = await _browser.PostAsync(new Uri(_edgeUrl, "/payments/alipay/notify"), form);
        return await response.Content.ReadAsStringAsync();
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenInput();
}
