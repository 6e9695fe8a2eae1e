using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Alipay;

/// <summary>
/// The Alipay stand-in's routes: the page-pay gateway (<c>/alipay/gateway.do</c>, GET as the edge builds it or POST
/// as Alipay's SDKs' auto-submitting form does), the pay button (<c>POST /alipay/pay</c>), and the record of trades
/// and notification deliveries (<c>GET /_sim/alipay/trades</c>).
/// </summary>
internal static class AlipayStandInApi
{
    public const string ReturnMethod = "alipay.trade.page.pay.return";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddAlipayStandIn(this IServiceCollection services)
    {
        services.AddSingleton<AlipayTradeBook>();
        services.AddSingleton<AlipayNotifier>();
        // Alipay neither follows a merchant's redirects nor keeps cookies between notifications.
        services.AddHttpClient(AlipayNotifier.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return services;
    }

    public static IEndpointRouteBuilder MapAlipayStandIn(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/alipay/gateway.do", OpenCashierAsync);
        routes.MapPost("/alipay/gateway.do", OpenCashierAsync);
        routes.MapPost("/alipay/pay", PayAsync);
        routes.MapGet("/_sim/alipay/trades", (AlipayTradeBook trades) => Results.Json(trades.Snapshot(), s_json));
        return routes;
    }

    private static async Task<IResult> OpenCashierAsync(HttpContext http, IOptionsMonitor<SimulatorOptions> options)
    {
        var alipay = options.CurrentValue.Alipay;
        var (request, refusal) = await ReadAsync(http, alipay);
        return request is null ? refusal! : Html(AlipayPages.Cashier(request, alipay.AppId));
    }

    /// <summary>
    /// The buyer pays: the trade is opened once per order (a second press finds it paid and sends the same
    /// notification again, as Alipay re-sends), the merchant is notified, and the browser goes back to
    /// <c>return_url</c> with the signed synchronous return parameters.
    /// </summary>
    private static async Task<IResult> PayAsync(
        HttpContext http, IOptionsMonitor<SimulatorOptions> options, AlipayTradeBook trades, AlipayNotifier notifier, TimeProvider clock)
    {
        var alipay = options.CurrentValue.Alipay;
        var (request, refusal) = await ReadAsync(http, alipay);
        if (request is null)
        {
            return refusal!;
        }
        var trade = trades.Pay(request.OutTradeNo, () => NewTrade(request, alipay, clock.GetUtcNow()));
        if (trade.TotalAmount != Yuan(request.TotalAmount) || trade.Subject != request.Subject)
        {
            return Html(AlipayPages.Refused(new GatewayError("trade-info-tampered",
                $"Order {request.OutTradeNo} was already paid with other terms.")), StatusCodes.Status400BadRequest);
        }

        try
        {
            await notifier.NotifyAsync(trade).WaitAsync(alipay.FirstDeliveryWait, clock, http.RequestAborted);
        }
        catch (TimeoutException)
        {
            // The merchant is slow: the browser goes back now and the delivery (and its retries) carries on.
        }
        trade = trades.Find(trade.OutTradeNo)!;
        if (request.ReturnUrl is null)
        {
            return Html(AlipayPages.Paid(trade));
        }
        return Results.Redirect(ReturnLocation(request.ReturnUrl, trade, alipay, clock.GetUtcNow()));
    }

    /// <summary>The GET query or the posted form, verified; or the error page Alipay would show.</summary>
    private static async Task<(PagePayRequest? Request, IResult? Refusal)> ReadAsync(HttpContext http, AlipayStandInOptions alipay)
    {
        if (!alipay.Enabled)
        {
            return (null, Html(AlipayPages.Refused(new GatewayError("stand-in-off",
                "The Alipay stand-in is off: set Simulator:Alipay:MerchantPublicKey and Simulator:Alipay:PlatformPrivateKey.")),
                StatusCodes.Status404NotFound));
        }
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> parameters = http.Request.HasFormContentType
            ? await http.Request.ReadFormAsync(http.RequestAborted)
            : http.Request.Query;
        using var merchantKey = AlipaySignatures.LoadPem(alipay.MerchantPublicKey!);
        var request = PagePayRequest.Read(parameters, alipay, merchantKey, out var error);
        return request is null ? (null, Html(AlipayPages.Refused(error!), StatusCodes.Status400BadRequest)) : (request, null);
    }

    private static AlipayTradeView NewTrade(PagePayRequest request, AlipayStandInOptions alipay, DateTimeOffset now)
    {
        var day = AlipayNotifier.ChinaTime(now)[..10].Replace("-", "", StringComparison.Ordinal);
        var paidAt = AlipayNotifier.ChinaTime(now);
        var total = Yuan(request.TotalAmount);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["notify_type"] = "trade_status_sync",
            ["notify_id"] = day + "00222" + Digits(21),
            ["app_id"] = alipay.AppId,
            ["auth_app_id"] = alipay.AppId,
            ["charset"] = "utf-8",
            ["version"] = "1.0",
            ["trade_no"] = day + "2200" + Digits(16),
            ["out_trade_no"] = request.OutTradeNo,
            ["trade_status"] = "TRADE_SUCCESS",
            ["total_amount"] = total,
            ["receipt_amount"] = total,
            ["invoice_amount"] = total,
            ["buyer_pay_amount"] = total,
            ["point_amount"] = "0.00",
            ["fund_bill_list"] = $"[{{\"amount\":\"{total}\",\"fundChannel\":\"ALIPAYACCOUNT\"}}]",
            ["subject"] = request.Subject,
            ["buyer_id"] = "2088000000000002",
            ["buyer_logon_id"] = "buy***@alipay-standin.local",
            ["seller_id"] = alipay.SellerId,
            ["seller_email"] = "seller@alipay-standin.local",
            ["gmt_create"] = paidAt,
            ["gmt_payment"] = paidAt,
        };
        if (!string.IsNullOrEmpty(request.Body))
        {
            fields["body"] = request.Body;
        }
        if (!string.IsNullOrEmpty(request.PassbackParams))
        {
            fields["passback_params"] = request.PassbackParams;
        }
        return new AlipayTradeView(request.OutTradeNo, fields["trade_no"], total, request.Subject, "TRADE_SUCCESS", now,
            request.NotifyUrl?.AbsoluteUri, request.ReturnUrl?.AbsoluteUri, []) { Fields = fields };
    }

    /// <summary>
    /// <c>return_url</c> with the synchronous return parameters appended (signed like a notification: all but
    /// <c>sign</c> and <c>sign_type</c>), after <c>&amp;</c> when the merchant's URL already has a query.
    /// </summary>
    private static string ReturnLocation(Uri returnUrl, AlipayTradeView trade, AlipayStandInOptions alipay, DateTimeOffset now)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["charset"] = "utf-8",
            ["out_trade_no"] = trade.OutTradeNo,
            ["method"] = ReturnMethod,
            ["total_amount"] = trade.TotalAmount,
            ["trade_no"] = trade.TradeNo,
            ["auth_app_id"] = alipay.AppId,
            ["version"] = "1.0",
            ["app_id"] = alipay.AppId,
            ["seller_id"] = alipay.SellerId,
            ["timestamp"] = AlipayNotifier.ChinaTime(now),
        };
        using var key = AlipaySignatures.LoadPem(alipay.PlatformPrivateKey!);
        var query = string.Join('&', AlipaySignatures.Signed(key, parameters)
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var url = returnUrl.AbsoluteUri;
        return url + (string.IsNullOrEmpty(returnUrl.Query) ? "?" : "&") + query;
    }

    /// <summary>Alipay reports amounts with two decimals ("20" is sent back as "20.00").</summary>
    private static string Yuan(string amount) =>
        decimal.Parse(amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Digits(int count) =>
        string.Create(count, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
            }
        });

    private static IResult Html(string html, int status = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
