using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Money;
using Relay.Payments;
using Relay.Stablecoin;
using Relay.Users.Payments;

namespace Relay.EdgeApi.Payments;

/// <summary>
/// Top-ups by Alipay and their receipts. <c>/api/topups</c> takes a user session token and serves the person's own
/// account only (the admin token is not taken on this public path);
/// <c>/payments/alipay/notify</c> is public and trusts only Alipay's signature. Needs an Orleans client
/// (<see cref="IGrainFactory"/>) registered by the host.
/// </summary>
public static class PaymentsApi
{
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration config)
    {
        services.AddTopUps(config);
        services.TryAddSingleton<AlipayNotifications>();
        services.TryAddSingleton<TopUpAccessFilter>();
        return services;
    }

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var topUps = app.MapGroup("/api/topups").AddEndpointFilter<TopUpAccessFilter>();
        topUps.MapPost("/alipay", CreateAlipayTopUpAsync);
        topUps.MapGet("/stablecoin/address", GetStablecoinAddressAsync);
        topUps.MapGet("/{orderId}", GetTopUpAsync);
        topUps.MapGet("/{orderId}/receipt", GetReceiptAsync);
        topUps.MapGet("/{orderId}/receipt.pdf", GetReceiptPdfAsync);

        app.MapPost("/payments/alipay/notify", ReceiveAlipayNotificationAsync).DisableAntiforgery();
        app.MapGet("/payments/alipay/return", ShowAlipayReturnAsync);
        return app;
    }

    /// <summary>
    /// The account's own deposit address for USDT/USDC (derived from the configured xpub, assigned once) and the
    /// tokens watched; a transfer to it is credited after the configured confirmations.
    /// </summary>
    internal static async Task<Results<Ok<StablecoinDepositInfo>, ValidationProblem, NotFound<string>, ProblemHttpResult>> GetStablecoinAddressAsync(
        string? accountId, HttpContext http, IGrainFactory grains, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = http.TopUpCaller();
        var owner = caller.AccountId;
        var xpub = config["Relay:Payments:Stablecoin:Xpub"];
        if (string.IsNullOrWhiteSpace(xpub))
        {
            return TypedResults.Problem("Top-ups by stablecoin are not configured.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (!string.IsNullOrWhiteSpace(accountId) && !caller.MayUse(accountId.Trim()))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["accountId"] = ["A session sees its own address only; leave accountId out."],
            });
        }
        if ((await grains.GetGrain<IAccountGrain>(owner).GetAsync()).CreatedAt is null)
        {
            return TypedResults.NotFound($"No account {owner}.");
        }
        var address = await grains.GetGrain<IDepositAddressesGrain>(xpub.Trim()).AssignAsync(owner);
        var tokens = config.GetSection("Relay:Payments:Stablecoin:Tokens").GetChildren()
            .Select(t => new StablecoinToken(t["Symbol"] ?? "", t["Address"] ?? ""))
            .ToList();
        return TypedResults.Ok(new StablecoinDepositInfo(address.Address, tokens, config.GetValue("Relay:Payments:Stablecoin:Confirmations", 12)));
    }

    /// <summary>Creates an order for the account and answers the signed URL of Alipay's payment page.</summary>
    internal static async Task<Results<Created<AlipayTopUpCreated>, ValidationProblem, NotFound<string>, ProblemHttpResult>> CreateAlipayTopUpAsync(
        NewAlipayTopUp request, HttpContext http, AlipayTopUps topUps)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(http);
        var caller = http.TopUpCaller();
        if (!topUps.IsConfigured)
        {
            return TypedResults.Problem("Top-ups by Alipay are not configured.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var errors = new Dictionary<string, string[]>();
        // A signed-in person tops up their own account.
        var accountId = caller.AccountId;
        if (!string.IsNullOrWhiteSpace(request.AccountId) && !caller.MayUse(request.AccountId.Trim()))
        {
            errors["accountId"] = ["A session tops up its own account only; leave accountId out."];
        }
        if (request.AmountUsd is not { } usd || !AlipayTopUps.IsValidAmount(usd))
        {
            errors["amountUsd"] = ["A positive amount in USD with at most two decimals (cents) is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await topUps.CreateAsync(accountId, request.AmountUsd!.Value);
        return result switch
        {
            { Outcome: AlipayTopUpOutcome.Created, Order: { } order, PayUrl: { } payUrl } => TypedResults.Created($"/api/topups/{order.OrderId}",
                new AlipayTopUpCreated(order.OrderId, payUrl.AbsoluteUri, order.AmountCny, Cents(order.Credit))),
            { Outcome: AlipayTopUpOutcome.UnknownAccount } => TypedResults.NotFound($"No account {accountId}."),
            { Outcome: AlipayTopUpOutcome.BelowMinimum } => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["amountUsd"] = [$"The minimum top-up is ${Cents(result.Minimum)}."],
            }),
            _ => TypedResults.Problem("The order number is taken; try again.", statusCode: StatusCodes.Status409Conflict),
        };
    }

    internal static async Task<Results<Ok<TopUpStatus>, NotFound>> GetTopUpAsync(string orderId, HttpContext http, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(http);
        var order = await grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync();
        // Someone else's order answers as if it did not exist.
        return order is null || !http.TopUpCaller().MayUse(order.AccountId)
            ? TypedResults.NotFound()
            : TypedResults.Ok(new TopUpStatus(order.OrderId, order.AccountId, order.Status.ToString(), order.AmountCny,
                Cents(order.Credit), order.CreatedAt, order.PaidAt, order.TradeNo));
    }

    internal static async Task<Results<ContentHttpResult, NotFound<string>>> GetReceiptAsync(
        string orderId, HttpContext http, IGrainFactory grains, IOptions<PaymentsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(http);
        var receipt = await TopUpReceipt.ForOrderAsync(grains, orderId, options.Value.Receipts.Issuer);
        return receipt is null || !http.TopUpCaller().MayUse(receipt.AccountId)
            ? TypedResults.NotFound($"No paid top-up {orderId}.")
            : TypedResults.Content(ReceiptHtml.Render(receipt), "text/html; charset=utf-8", Encoding.UTF8);
    }

    internal static async Task<Results<FileContentHttpResult, NotFound<string>>> GetReceiptPdfAsync(
        string orderId, HttpContext http, IGrainFactory grains, IOptions<PaymentsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(http);
        var receipt = await TopUpReceipt.ForOrderAsync(grains, orderId, options.Value.Receipts.Issuer);
        return receipt is null || !http.TopUpCaller().MayUse(receipt.AccountId)
            ? TypedResults.NotFound($"No paid top-up {orderId}.")
            : TypedResults.File(ReceiptPdf.Render(receipt), "application/pdf", $"receipt-{receipt.Number}.pdf");
    }

    /// <summary>
    /// Alipay's asynchronous notification (form-encoded POST). Answers exactly <c>success</c> once handled,
    /// replays included, and <c>failure</c> otherwise so that Alipay sends it again.
    /// </summary>
    internal static async Task<ContentHttpResult> ReceiveAlipayNotificationAsync(
        HttpRequest request, AlipayNotifications notifications, CancellationToken cancellation)
    {
        var outcome = NotificationOutcome.Malformed;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellation);
            if (form.All(field => field.Value.Count == 1))
            {
                outcome = await notifications.HandleAsync(form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal));
            }
        }
        return TypedResults.Text(outcome.Reply(), "text/plain", Encoding.UTF8);
    }

    /// <summary>
    /// Where Alipay sends the buyer's browser after paying (unless a console return page is configured): the state of
    /// the order named by a return Alipay signed. It changes nothing; only the notification credits.
    /// </summary>
    internal static async Task<ContentHttpResult> ShowAlipayReturnAsync(HttpRequest request, AlipaySigner signer, IGrainFactory grains)
    {
        var parameters = request.Query.Where(q => q.Value.Count == 1).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var order = parameters.Count == request.Query.Count
            && signer.Verify(parameters)
            && parameters.GetValueOrDefault("app_id") == signer.AppId
            && parameters.GetValueOrDefault("out_trade_no") is { Length: > 0 and <= 64 } orderId
                ? await grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync()
                : null;
        return order is null
            ? TypedResults.Content(AlipayReturnPage.Refused(), "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status400BadRequest)
            : TypedResults.Content(AlipayReturnPage.Render(order), "text/html; charset=utf-8", Encoding.UTF8);
    }

    /// <summary>Dollars with exactly two decimals, e.g. 5.00 (credits are whole cents by the exchange rule).</summary>
    private static decimal Cents(Usd amount) => decimal.Round(amount.ToDecimal(), 2) + 0.00m;
}

/// <summary>Asks for an Alipay top-up of <see cref="AmountUsd"/> dollars into an account.</summary>
public sealed record NewAlipayTopUp(string? AccountId, decimal? AmountUsd);

/// <summary>A created top-up: open <see cref="PayUrl"/> in the buyer's browser to pay <see cref="AmountCny"/> yuan.</summary>
public sealed record AlipayTopUpCreated(string OrderId, string PayUrl, decimal AmountCny, decimal AmountUsd);

public sealed record TopUpStatus(
    string OrderId, string AccountId, string Status, decimal AmountCny, decimal AmountUsd, DateTimeOffset CreatedAt,
    DateTimeOffset? PaidAt, string? TradeNo);

/// <summary>Where an account sends USDT/USDC, which token contracts count, and after how many confirmations.</summary>
public sealed record StablecoinDepositInfo(string Address, IReadOnlyList<StablecoinToken> Tokens, int Confirmations);

/// <summary>A watched token contract.</summary>
public sealed record StablecoinToken(string Symbol, string Contract);
