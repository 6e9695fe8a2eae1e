using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Relay.Console.SignIn;
using Relay.Console.Users;
using Relay.Users.Payments;

namespace Relay.Console.Hosting;

/// <summary>What the console serves besides its pages: sign-out, the language switch, CSV and PDF downloads.</summary>
internal static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsoleEndpoints(this IEndpointRouteBuilder app)
    {
        // Posts with the form's antiforgery token (a [FromForm] parameter makes the endpoint require it).
        app.MapPost("/signout", async (HttpContext http, [FromForm] string? returnUrl) =>
        {
            await http.SignOutAsync(ConsoleAuth.UserScheme);
            return Results.LocalRedirect("/signin");
        });
        app.MapPost("/operator/signout", async (HttpContext http, [FromForm] string? returnUrl) =>
        {
            await http.SignOutAsync(ConsoleAuth.OperatorScheme);
            return Results.LocalRedirect("/operator/signin");
        });
        app.MapGet("/culture", SetCulture);
        app.MapGet("/usage.csv", UsageCsvAsync).RequireAuthorization(ConsoleAuth.UserPolicy);
        app.MapGet("/receipts/{orderId}.pdf", ReceiptPdfAsync).RequireAuthorization();
        return app;
    }

    /// <summary>Remembers the chosen language in the culture cookie for a year and goes back to the page.</summary>
    private static IResult SetCulture(HttpContext http, string? culture, string? returnUrl)
    {
        var chosen = ConsoleHostingExtensions.Cultures.FirstOrDefault(c => c.Name == culture) ?? ConsoleHostingExtensions.Cultures[0];
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
            new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true });
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    /// <summary>The signed-in person's calls in a time range as CSV, every page of them, costs exact to the nano-dollar.</summary>
    private static async Task UsageCsvAsync(HttpContext http, UsageReports reports, DateTimeOffset? from, DateTimeOffset? to, string? model)
    {
        var accountId = http.User.AccountId()!;
        var range = UsageRange.Of(from, to, model);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"relay-usage.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await reports.WriteCsvAsync(accountId, range, writer, http.RequestAborted);
    }

    /// <summary>A paid top-up's receipt as PDF: the person's own orders, or any order for an operator.</summary>
    private static async Task<IResult> ReceiptPdfAsync(HttpContext http, string orderId, IGrainFactory grains, IOptions<PaymentsOptions> options)
    {
        var receipt = await TopUpReceipt.ForOrderAsync(grains, orderId, options.Value.Receipts.Issuer);
        var mayRead = receipt is not null && (http.User.OperatorName() is not null || http.User.AccountId() == receipt.AccountId);
        // Someone else's receipt answers as if it did not exist.
        return mayRead
            ? Results.File(ReceiptPdf.Render(receipt!), "application/pdf", $"receipt-{receipt!.Number}.pdf")
            : Results.NotFound();
    }

    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
