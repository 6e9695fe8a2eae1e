namespace Relay.EdgeApi.Users;

/// <summary>
/// Lets a request through only with a valid session token in <c>Authorization: Bearer</c>, and hands the
/// session to the handler through <see cref="UserSessions.SignedInSession"/>. Nothing else names an account:
/// every handler works on the session's account and no other.
/// </summary>
internal sealed class SessionFilter(SessionTokens tokens) : IEndpointFilter
{
    private const string BearerPrefix = "Bearer ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? authorization = http.Request.Headers.Authorization;
        var token = authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;
        if (tokens.Read(token) is not { } session)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiErrors.Unauthorized(token is null
                ? "Sign in first: send 'Authorization: Bearer <token>' with the token from POST /api/signin."
                : "The session token is invalid or expired; sign in again.");
        }
        http.Features.Set(session);
        return await next(context);
    }
}

internal static class UserSessions
{
    /// <summary>The session <see cref="SessionFilter"/> admitted this request with.</summary>
    public static UserSession SignedInSession(this HttpContext http) =>
        http.Features.Get<UserSession>() ?? throw new InvalidOperationException("The endpoint is not behind SessionFilter.");
}
