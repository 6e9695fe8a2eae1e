using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PdfSharp.Pdf.IO;
using Relay.Accounts;
using Relay.EdgeApi.Payments;
using Relay.Users.Payments;
using Relay.EdgeApi.Users;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Payments;

/// <summary>The payments endpoints over real HTTP: a minimal edge with AddPayments/MapPaymentsApi on the test silo.</summary>
[Collection(SharedSilo.Name)]
public sealed class PaymentsApiTests(InProcessSilo silo) : IAsyncLifetime, IDisposable
{
    private const string AdminToken = "test-admin-token";

    /// <summary>A fresh xpub per test run, so the addresses below are this run's own.</summary>
    private static readonly string StablecoinXpub =
        new NBitcoin.ExtKey().Neuter().ToString(NBitcoin.Network.Main);

    private WebApplication? _app;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(FakeAlipay.Configuration);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Relay:AdminToken"] = AdminToken,
            ["Relay:Users:SessionSecret"] = "payments-tests-session-secret-0123456789abcdef",
            ["Relay:Payments:Stablecoin:Xpub"] = StablecoinXpub,
            ["Relay:Payments:Stablecoin:Confirmations"] = "12",
            ["Relay:Payments:Stablecoin:Tokens:0:Symbol"] = "USDT",
            ["Relay:Payments:Stablecoin:Tokens:0:Address"] = "0xdac17f958d2ee523a2206206994597c13d831ec7",
        });
        builder.Services.AddSingleton(silo.Grains);
        builder.Services.AddSingleton<TimeProvider>(silo.Clock);
        builder.Services.AddUserApi(builder.Configuration);
        builder.Services.AddPayments(builder.Configuration);
        _app = builder.Build();
        _app.MapPaymentsApi();
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_person_sees_their_own_stablecoin_deposit_address_the_same_every_time_and_never_anothers()
    {
        var mine = await OpenAccountAsync();
        var theirs = await OpenAccountAsync();
        var session = SessionFor(mine.GetPrimaryKeyString());

        using var first = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, "/api/topups/stablecoin/address"), session));
        using var again = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, "/api/topups/stablecoin/address"), session));
        using var others = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get,
            $"/api/topups/stablecoin/address?accountId={theirs.GetPrimaryKeyString()}"), session));
        using var operatorView = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get,
            $"/api/topups/stablecoin/address?accountId={theirs.GetPrimaryKeyString()}"), AdminToken));
        using var theirsOwn = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, "/api/topups/stablecoin/address"),
            SessionFor(theirs.GetPrimaryKeyString())));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var address = (await first.Content.ReadFromJsonAsync<StablecoinDepositInfo>())!;
        var assigned = await silo.Grains.GetGrain<Relay.Stablecoin.IDepositAddressesGrain>(StablecoinXpub).AssignAsync(mine.GetPrimaryKeyString());
        Assert.Equal(assigned.Address, address.Address);
        Assert.Equal(Relay.Stablecoin.DepositAddressDerivation.AddressAt(StablecoinXpub, assigned.Index), address.Address);
        Assert.Equal(address, (await again.Content.ReadFromJsonAsync<StablecoinDepositInfo>())! with { Tokens = address.Tokens });
        Assert.Equal(12, address.Confirmations);
        Assert.Equal("USDT", Assert.Single(address.Tokens).Symbol);
        Assert.Equal(HttpStatusCode.BadRequest, others.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, operatorView.StatusCode);
        Assert.NotEqual(address.Address, (await theirsOwn.Content.ReadFromJsonAsync<StablecoinDepositInfo>())!.Address);
    }

    [Fact]
    public async Task A_top_up_paid_through_alipay_credits_once_and_has_receipts_with_its_exact_amounts()
    {
        var account = await OpenAccountAsync();

        using var created = await CreateTopUpAsync(account.GetPrimaryKeyString(), 5.00m);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var orderId = body.RootElement.GetProperty("orderId").GetString()!;
        Assert.Matches("^R[0-9]{26}$", orderId);
        Assert.Equal($"/api/topups/{orderId}", created.Headers.Location!.OriginalString);
        Assert.Equal("36.24", body.RootElement.GetProperty("amountCny").GetRawText());
        Assert.Equal("5.00", body.RootElement.GetProperty("amountUsd").GetRawText());
        var payUrl = new Uri(body.RootElement.GetProperty("payUrl").GetString()!);
        Assert.Equal("https://openapi.alipaydev.com/gateway.do", payUrl.GetLeftPart(UriPartial.Path));
        Assert.Contains("method=alipay.trade.page.pay", payUrl.Query, StringComparison.Ordinal);

        using (var unpaid = await AsOwner(account, HttpMethod.Get, $"/api/topups/{orderId}/receipt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unpaid.StatusCode);
        }

        // Tests of this collection run one at a time, so the shared clock stands still during this one.
        var paidAt = silo.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("success", await NotifyAsync(FakeAlipay.Notification(orderId, "36.24")));
        }
        Assert.Equal(Usd.FromDecimal(5.00m), (await account.GetAsync()).Balance);

        using var html = await AsOwner(account, HttpMethod.Get, $"/api/topups/{orderId}/receipt");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        var page = await html.Content.ReadAsStringAsync();
        Assert.Contains($"<tr><th>Receipt number</th><td>{orderId}</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Amount credited</th><td>$5.00 USD</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Amount paid</th><td>CNY 36.24</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Payer</th><td>payer@example.com</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Payment method</th><td>Alipay</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Reference</th><td>2026112722001400001234567890</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains($"<tr><th>Date</th><td>{paidAt} UTC</td></tr>", page, StringComparison.Ordinal);

        using var pdf = await AsOwner(account, HttpMethod.Get, $"/api/topups/{orderId}/receipt.pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        var bytes = await pdf.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF"u8.ToArray(), bytes[..4]);
        using var document = PdfReader.Open(new MemoryStream(bytes), PdfDocumentOpenMode.Import);
        Assert.Equal(1, document.PageCount);
    }

    [Fact]
    public async Task A_form_encoded_notification_with_a_forged_signature_answers_failure_and_moves_no_money()
    {
        var account = await OpenAccountAsync();
        using var created = await CreateTopUpAsync(account.GetPrimaryKeyString(), 5.00m);
        var orderId = (await created.Content.ReadFromJsonAsync<AlipayTopUpCreated>())!.OrderId;

        Assert.Equal("failure", await NotifyAsync(FakeAlipay.Notification(orderId, "36.24", signedBy: FakeAlipay.Forger)));
        Assert.Equal("failure", await NotifyAsync(FakeAlipay.Notification(orderId, "3.62")));

        Assert.Equal(Usd.Zero, (await account.GetAsync()).Balance);
        using var receipt = await AsOwner(account, HttpMethod.Get, $"/api/topups/{orderId}/receipt.pdf");
        Assert.Equal(HttpStatusCode.NotFound, receipt.StatusCode);
    }

    [Fact]
    public async Task A_notification_that_is_not_a_form_answers_failure()
    {
        using var response = await _http.PostAsync("/payments/alipay/notify", JsonContent.Create(new { out_trade_no = "R1" }));

        Assert.Equal("failure", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_top_up_below_the_minimum_or_in_fractions_of_a_cent_is_refused_and_makes_no_order()
    {
        var account = await OpenAccountAsync();

        using var small = await CreateTopUpAsync(account.GetPrimaryKeyString(), 0.98m);
        using var fraction = await CreateTopUpAsync(account.GetPrimaryKeyString(), 1.005m);
        using var negative = await CreateTopUpAsync(account.GetPrimaryKeyString(), -5m);
        using var minimum = await CreateTopUpAsync(account.GetPrimaryKeyString(), 0.99m);

        Assert.Equal(HttpStatusCode.BadRequest, small.StatusCode);
        Assert.Contains("The minimum top-up is $0.99.", await small.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, fraction.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(HttpStatusCode.Created, minimum.StatusCode);
        Assert.Equal(7.18m, (await minimum.Content.ReadFromJsonAsync<AlipayTopUpCreated>())!.AmountCny);
    }

    [Fact]
    public async Task Top_ups_need_a_session_of_an_existing_account_and_the_admin_token_is_not_one()
    {
        var account = await OpenAccountAsync();
        using var anonymous = await _http.PostAsJsonAsync("/api/topups/alipay", new { amountUsd = 5.00m });
        using var operatorOrder = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Post, "/api/topups/alipay")
        {
            Content = JsonContent.Create(new { accountId = account.GetPrimaryKeyString(), amountUsd = 5.00m }),
        }, AdminToken));
        using var unknown = await CreateTopUpAsync(TestServices.NewAccountId(), 5.00m);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, operatorOrder.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_person_tops_up_their_own_account_and_sees_only_their_own_receipts()
    {
        var mine = await OpenAccountAsync();
        var theirs = await OpenAccountAsync();
        var session = SessionFor(mine.GetPrimaryKeyString());

        using var created = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Post, "/api/topups/alipay")
        {
            Content = JsonContent.Create(new { amountUsd = 5.00m }),
        }, session));
        using var forOthers = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Post, "/api/topups/alipay")
        {
            Content = JsonContent.Create(new { accountId = theirs.GetPrimaryKeyString(), amountUsd = 5.00m }),
        }, session));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forOthers.StatusCode);
        var myOrder = (await created.Content.ReadFromJsonAsync<AlipayTopUpCreated>())!.OrderId;
        Assert.Equal("success", await NotifyAsync(FakeAlipay.Notification(myOrder, "36.24")));
        Assert.Equal(Usd.FromDecimal(5.00m), (await mine.GetAsync()).Balance);

        using var theirsCreated = await CreateTopUpAsync(theirs.GetPrimaryKeyString(), 5.00m);
        var theirOrder = (await theirsCreated.Content.ReadFromJsonAsync<AlipayTopUpCreated>())!.OrderId;
        Assert.Equal("success", await NotifyAsync(FakeAlipay.Notification(theirOrder, "36.24", tradeNo: "2026112722001400009999999999")));

        using var own = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"/api/topups/{myOrder}/receipt"), session));
        using var other = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"/api/topups/{theirOrder}/receipt"), session));
        using var otherPdf = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"/api/topups/{theirOrder}/receipt.pdf"), session));
        using var otherStatus = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"/api/topups/{theirOrder}"), session));
        using var forged = await SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"/api/topups/{myOrder}/receipt"), session + "x"));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPdf.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherStatus.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    private string SessionFor(string accountId) => _app!.Services.GetRequiredService<SessionTokens>().Issue(accountId).Token;

    private static HttpRequestMessage WithBearer(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<IAccountGrain> OpenAccountAsync()
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("payer@example.com");
        return account;
    }

    /// <summary>The account's owner asks for a top-up of their own account, signed in.</summary>
    private Task<HttpResponseMessage> CreateTopUpAsync(string accountId, decimal amountUsd) =>
        SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Post, "/api/topups/alipay")
        {
            Content = JsonContent.Create(new { amountUsd }),
        }, SessionFor(accountId)));

    private Task<HttpResponseMessage> AsOwner(IAccountGrain account, HttpMethod method, string path) =>
        SendAsync(WithBearer(new HttpRequestMessage(method, path), SessionFor(account.GetPrimaryKeyString())));

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await _http.SendAsync(request);
        }
    }

    /// <summary>Posts the notification form-encoded, as Alipay does, and returns the reply body.</summary>
    private async Task<string> NotifyAsync(Dictionary<string, string> notification)
    {
        using var form = new FormUrlEncodedContent(notification);
        using var response = await _http.PostAsync("/payments/alipay/notify", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadAsStringAsync();
    }
}
