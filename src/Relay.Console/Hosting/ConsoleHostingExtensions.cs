using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Relay.Console.Components;
using Relay.Console.SignIn;
using Relay.Console.Users;
using Relay.Users.Identity;
using Relay.Users.Payments;
using StackExchange.Redis;

namespace Relay.Console.Hosting;

/// <summary>How the console is composed; Program.cs calls these in order.</summary>
public static class ConsoleHostingExtensions
{
    /// <summary>The rate-limit policy of the sign-in and sign-up forms, per client address (form posts only).</summary>
    public const string SignInRateLimitPolicy = "relay-console-signin";

    public static readonly CultureInfo[] Cultures = [new("en"), new("zh-Hans")];

    /// <summary>Blazor, MudBlazor, the two sign-ins, both languages, and the account operations the pages use.</summary>
    public static WebApplicationBuilder AddConsoleServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidation>();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddLocalization();
        services.AddHealthChecks();
        services.AddHttpContextAccessor();

        // Cookies are sealed with Data Protection keys kept in the cluster's Redis, so every console (and a restarted one)
        // reads the cookies the others wrote.
        services.AddDataProtection()
            .SetApplicationName("relay-console")
            .PersistKeysToStackExchangeRedis(
                () => ConnectionMultiplexer.Connect(config.GetConnectionString("Redis") ?? config["RELAY_REDIS"] ?? "127.0.0.1:56379").GetDatabase(),
                "relay:console:data-protection-keys");

        services.AddConsoleSignIn();
        services.AddAccountIdentity();
        services.AddTopUps(config);
        services.AddSingleton<OperatorDirectory>();
        services.AddScoped<AccountSession>();
        services.AddSingleton<UsageReports>();
        services.AddSingleton<TopUpHistory>();
        services.AddSingleton<CatalogReader>();
        return builder;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseRequestLocalization(options =>
        {
            options.DefaultRequestCulture = new RequestCulture("en");
            options.SupportedCultures = Cultures;
            options.SupportedUICultures = Cultures;
            // The cookie the language switch sets, then the browser's languages (zh-CN, zh-TW... fall back to zh-Hans).
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
            options.FallBackToParentUICultures = true;
        });
        app.UseBlazorHubOriginCheck();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapHealthChecks("/healthz");
        app.MapConsoleEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static IServiceCollection AddConsoleSignIn(this IServiceCollection services)
    {
        services.AddAuthentication(ConsoleAuth.CombinedScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, CombinedAuthenticationHandler>(ConsoleAuth.CombinedScheme, _ => { })
            .AddCookie(ConsoleAuth.UserScheme, cookie =>
            {
                cookie.Cookie.Name = ".relay.user";
                cookie.Cookie.HttpOnly = true;
                // Lax, not Strict: Alipay sends the browser back to the return page by a cross-site navigation.
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromDays(7);
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/signin";
                cookie.AccessDeniedPath = "/denied";
                cookie.EventsType = typeof(UserCookieEvents);
            })
            .AddCookie(ConsoleAuth.OperatorScheme, cookie =>
            {
                cookie.Cookie.Name = ".relay.operator";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = false;
                cookie.LoginPath = "/operator/signin";
                cookie.AccessDeniedPath = "/operator/denied";
                cookie.EventsType = typeof(OperatorCookieEvents);
            });
        services.AddScoped<UserCookieEvents>();
        services.AddScoped<OperatorCookieEvents>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleAuth.UserPolicy, policy => policy.RequireClaim(ConsoleAuth.AccountIdClaim))
            .AddPolicy(ConsoleAuth.OperatorPolicy, policy => policy.RequireClaim(ConsoleAuth.OperatorClaim))
            .AddPolicy(ConsoleAuth.SupportPolicy, policy => policy.RequireClaim(ConsoleAuth.OperatorClaim)
                .RequireRole(ConsoleAuth.AdminRole, ConsoleAuth.SupportRole))
            .AddPolicy(ConsoleAuth.AdminPolicy, policy => policy.RequireClaim(ConsoleAuth.OperatorClaim).RequireRole(ConsoleAuth.AdminRole));
        services.AddCascadingAuthenticationState();

        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(SignInRateLimitPolicy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = 10,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("pages"));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        });
        return services;
    }

    /// <summary>
    /// Blazor's circuit runs over a WebSocket that carries the cookies; a page of another site must not open one in the
    /// person's name, so the hub answers only requests from the console's own origin (browsers always send Origin on
    /// WebSocket and cross-origin requests).
    /// </summary>
    private static IApplicationBuilder UseBlazorHubOriginCheck(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/_blazor") && http.Request.Headers.Origin is [{ } origin]
            && !SameOrigin(origin, http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        await next(http);
    });

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Refuses to start with settings the console cannot work with.</summary>
internal sealed class ConsoleOptionsValidation : IValidateOptions<ConsoleOptions>
{
    private static readonly string[] KnownRoles = [ConsoleAuth.AdminRole, ConsoleAuth.SupportRole, ConsoleAuth.ViewerRole];

    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out _))
        {
            failures.Add($"{ConsoleOptions.Section}:PublicBaseUrl must be an absolute URL.");
        }
        if (!Uri.TryCreate(options.RelayBaseUrl, UriKind.Absolute, out _))
        {
            failures.Add($"{ConsoleOptions.Section}:RelayBaseUrl must be an absolute URL.");
        }
        for (var i = 0; i < options.Operators.Count; i++)
        {
            var op = options.Operators[i];
            if (string.IsNullOrWhiteSpace(op.Name) || string.IsNullOrWhiteSpace(op.PasswordHash))
            {
                failures.Add($"{ConsoleOptions.Section}:Operators:{i} needs a Name and a PasswordHash.");
            }
            foreach (var role in op.Roles.Where(role => !KnownRoles.Contains(role)))
            {
                failures.Add($"{ConsoleOptions.Section}:Operators:{i}: unknown role '{role}' (known: {string.Join(", ", KnownRoles)}).");
            }
        }
        if (options.Operators.GroupBy(o => o.Name, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            failures.Add($"{ConsoleOptions.Section}:Operators: names must be unique.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
