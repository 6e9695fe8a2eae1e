using Relay.EdgeApi.Users;

namespace Relay.EdgeApi.Payments;

/// <summary>Who is asking about top-ups: a signed-in person, about their own account only.</summary>
internal sealed record TopUpCaller(string AccountId)
{
    /// <summary>True when the caller may see or pay into <paramref name="accountId"/>.</summary>
    public bool MayUse(string accountId) => AccountId == accountId;
}

/// <summary>
/// Admits <c>/api/topups</c> requests carrying <c>Authorization: Bearer</c> with a user session token (when the
/// user API is registered), and hands the handler a <see cref="TopUpCaller"/>. Anything else is 401: the admin
/// token is not taken on this public path, operators credit accounts through <c>/admin</c> on the internal listener.
/// </summary>
internal sealed class TopUpAccessFilter(IServiceProvider services) : IEndpointFilter
{
    private const string BearerPrefix = "Bearer ";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? authorization = http.Request.Headers.Authorization;
        var token = authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;

        if (string.IsNullOrEmpty(token) || services.GetService<SessionTokens>()?.Read(token) is not { } session)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(TypedResults.Unauthorized());
        }
        http.Features.Set(new TopUpCaller(session.AccountId));
        return next(context);
    }
}

internal static class TopUpCallers
{
    /// <summary>The caller <see cref="TopUpAccessFilter"/> admitted this request for.</summary>
    public static TopUpCaller TopUpCaller(this HttpContext http) =>
        http.Features.Get<TopUpCaller>() ?? throw new InvalidOperationException("The endpoint is not behind TopUpAccessFilter.");
}
