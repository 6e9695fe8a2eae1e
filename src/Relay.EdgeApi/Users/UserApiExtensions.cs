using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Relay.Users.Identity;

namespace Relay.EdgeApi.Users;

/// <summary>
/// The user's own API under <c>/api</c>: sign-up, sign-in, and with a session token the account's balance,
/// keys, usage, ledger, devices and transfers. Needs an <see cref="IGrainFactory"/> (the Orleans client).
/// </summary>
public static class UserApiExtensions
{
    /// <summary>The rate-limit policy guarding sign-up and sign-in, per client address.</summary>
    public const string AuthRateLimitPolicy = "relay-users-auth";

    private const string RateLimiterInPipeline = "Relay.Users.RateLimiterInPipeline";

    /// <summary>Registers the user API's options (section "Relay:Users", validated on start) and services.</summary>
    public static IServiceCollection AddUserApi(this IServiceCollection services, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddOptions<UserApiOptions>()
            .Bind(config.GetSection(UserApiOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserApiOptions>, UserApiOptionsValidation>());
        services.AddAccountIdentity();
        services.TryAddSingleton<SessionTokens>();

        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(AuthRateLimitPolicy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<UserApiOptions>>().Value;
                var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.AuthPermitLimit,
                    Window = options.AuthWindow,
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellation) =>
            {
                var response = context.HttpContext.Response;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                await ApiErrors.Of(StatusCodes.Status429TooManyRequests, "rate_limit_error", "too_many_requests",
                    "Too many sign-up or sign-in requests from this address; wait a minute and try again.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>
    /// Maps <c>/api/signup</c>, <c>/api/signin</c> (rate-limited) and the session-only endpoints. On a
    /// <see cref="WebApplication"/> it also adds the rate-limiting middleware, once; a host that calls
    /// <c>UseRateLimiter()</c> itself should not call it again for these endpoints' sake.
    /// </summary>
    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Endpoint rate-limit policies do nothing without the middleware; WebApplication runs middleware added
        // here after routing, so it sees the policy on the endpoint.
        if (app is IApplicationBuilder pipeline && !pipeline.Properties.ContainsKey(RateLimiterInPipeline))
        {
            pipeline.Properties[RateLimiterInPipeline] = true;
            pipeline.UseRateLimiter();
        }

        var api = app.MapGroup("/api").WithTags("Users");
        api.MapSignIn();

        var session = api.MapGroup("").AddEndpointFilter<SessionFilter>();
        session.MapAccount();
        session.MapKeys();
        session.MapTransfers();
        return app;
    }
}
