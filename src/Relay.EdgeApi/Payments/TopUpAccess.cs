using System.Security.Cryptography;
using System.Text;
using Relay.EdgeApi.Users;

namespace Relay.EdgeApi.Payments;

/// <summary>Who is asking about top-ups: the operator (any account) or a signed-in person (their own account only).</summary>
internal sealed record TopUpCaller(string? AccountId)
{
    public static TopUpCaller Operator { get; } = new((string?)null);

    public bool IsOperator => AccountId is null;

    /// <summary>True when the caller may see or pay into <paramref name="accountId"/>.</summary>
    public bool MayUse(string accountId) => IsOperator || AccountId == accountId;
}

/// <summary>
/// Admits <c>/api/topups</c> requests carrying <c>Authorization: Bearer</c> with either the admin token
/// (<c>Relay:AdminToken</c>) or a user session token (when the user API is registered), and hands the handler a
/// <see cref="TopUpCaller"/>. Anything else is 401.
/// </summary>
internal sealed class TopUpAccessFilter(IConfiguration config, IServiceProvider services) : IEndpointFilter
{
    private const string BearerPrefix = "Bearer ";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? authorization = http.Request.Headers.Authorization;
        var token = authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;

        TopUpCaller? caller = null;
        if (!string.IsNullOrEmpty(token))
        {
            if (IsAdminToken(token, config["Relay:AdminToken"]))
            {
                caller = TopUpCaller.Operator;
            }
            else if (services.GetService<SessionTokens>()?.Read(token) is { } session)
            {
                caller = new TopUpCaller(session.AccountId);
            }
        }
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(TypedResults.Unauthorized());
        }
        http.Features.Set(caller);
        return next(context);
    }

    private static bool IsAdminToken(string given, string? expected) =>
        !string.IsNullOrEmpty(expected) && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

internal static class TopUpCallers
{
    /// <summary>The caller <see cref="TopUpAccessFilter"/> admitted this request for.</summary>
    public static TopUpCaller TopUpCaller(this HttpContext http) =>
        http.Features.Get<TopUpCaller>() ?? throw new InvalidOperationException("The endpoint is not behind TopUpAccessFilter.");
}
