using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Money;
using Relay.Payments;

namespace Relay.EdgeApi.Payments;

/// <summary>
/// Top-ups by Alipay and their receipts. <c>/api/topups</c> is behind the admin bearer token
/// (<c>Relay:AdminToken</c>) until user sessions exist; <c>/payments/alipay/notify</c> is public and trusts
/// only Alipay's signature. Needs an Orleans client (<see cref="IGrainFactory"/>) registered by the host.
/// </summary>
public static class PaymentsApi
{
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddOptions<PaymentsOptions>().Bind(config.GetSection(PaymentsOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentsOptions>, PaymentsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AlipaySigner>();
        services.TryAddSingleton<AlipayNotifications>();
        services.TryAddSingleton<TopUpOrderNumbers>();
        return services;
    }

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var topUps = app.MapGroup("/api/topups").AddEndpointFilter(RequireAdminToken);
        topUps.MapPost("/alipay", CreateAlipayTopUpAsync);
        topUps.MapGet("/{orderId}", GetTopUpAsync);
        topUps.MapGet("/{orderId}/receipt", GetReceiptAsync);
        topUps.MapGet("/{orderId}/receipt.pdf", GetReceiptPdfAsync);

        app.MapPost("/payments/alipay/notify", ReceiveAlipayNotificationAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>Creates an order for the account and answers the signed URL of Alipay's payment page.</summary>
    internal static async Task<Results<Created<AlipayTopUpCreated>, ValidationProblem, NotFound<string>, ProblemHttpResult>> CreateAlipayTopUpAsync(
        NewAlipayTopUp request, IGrainFactory grains, AlipaySigner signer, TopUpOrderNumbers numbers, IOptions<PaymentsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!signer.IsConfigured)
        {
            return TypedResults.Problem("Top-ups by Alipay are not configured.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.AccountId))
        {
            errors["accountId"] = ["The account to top up is required."];
        }
        if (request.AmountUsd is not { } usd || usd <= 0m || decimal.Round(usd, 2) != usd || usd > 1_000_000m)
        {
            errors["amountUsd"] = ["A positive amount in USD with at most two decimals (cents) is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var accountId = request.AccountId!.Trim();
        var account = await grains.GetGrain<IAccountGrain>(accountId).GetAsync();
        if (account.CreatedAt is null)
        {
            return TypedResults.NotFound($"No account {accountId}.");
        }

        var alipay = options.Value.Alipay;
        var quote = CnyExchange.QuoteUsd(request.AmountUsd!.Value, alipay.UsdPerCny);
        var orderId = numbers.Next();
        var creation = await grains.GetGrain<IPaymentOrderGrain>(orderId)
            .CreateAsync(NewPaymentOrder.For(accountId, PaymentMethod.Alipay, quote, alipay.Subject));
        if (creation.Outcome == CreationOutcome.BelowMinimum)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["amountUsd"] = [$"The minimum top-up is ${Cents(creation.Minimum)}."],
            });
        }
        if (creation is not { Outcome: CreationOutcome.Created, Order: { } order })
        {
            return TypedResults.Problem($"Order number {orderId} is taken; try again.", statusCode: StatusCodes.Status409Conflict);
        }

        var payUrl = signer.PagePayUrl(order);
        return TypedResults.Created($"/api/topups/{orderId}",
            new AlipayTopUpCreated(orderId, payUrl.AbsoluteUri, order.AmountCny, Cents(order.Credit)));
    }

    internal static async Task<Results<Ok<TopUpStatus>, NotFound>> GetTopUpAsync(string orderId, IGrainFactory grains)
    {
        var order = await grains.GetGrain<IPaymentOrderGrain>(orderId).GetAsync();
        return order is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new TopUpStatus(order.OrderId, order.AccountId, order.Status.ToString(), order.AmountCny,
                Cents(order.Credit), order.CreatedAt, order.PaidAt, order.TradeNo));
    }

    internal static async Task<Results<ContentHttpResult, NotFound<string>>> GetReceiptAsync(
        string orderId, IGrainFactory grains, IOptions<PaymentsOptions> options)
    {
        var receipt = await TopUpReceipt.ForOrderAsync(grains, orderId, options.Value.Receipts.Issuer);
        return receipt is null
            ? TypedResults.NotFound($"No paid top-up {orderId}.")
            : TypedResults.Content(ReceiptHtml.Render(receipt), "text/html; charset=utf-8", Encoding.UTF8);
    }

    internal static async Task<Results<FileContentHttpResult, NotFound<string>>> GetReceiptPdfAsync(
        string orderId, IGrainFactory grains, IOptions<PaymentsOptions> options)
    {
        var receipt = await TopUpReceipt.ForOrderAsync(grains, orderId, options.Value.Receipts.Issuer);
        return receipt is null
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

    /// <summary>Admits a request carrying <c>Authorization: Bearer {Relay:AdminToken}</c>; 404 while no token is set.</summary>
    private static ValueTask<object?> RequireAdminToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.RequestServices.GetRequiredService<IConfiguration>()["Relay:AdminToken"];
        if (string.IsNullOrEmpty(expected))
        {
            return ValueTask.FromResult<object?>(TypedResults.NotFound());
        }
        var header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        var matches = CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
        return matches ? next(context) : ValueTask.FromResult<object?>(TypedResults.Unauthorized());
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
