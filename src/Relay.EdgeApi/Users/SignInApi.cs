using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Relay.Users.Identity;

namespace Relay.EdgeApi.Users;

internal sealed record SignUpRequest(string? Email, string? Password, string? InviteCode);

internal sealed record SignUpResponse(string AccountId, string? InviteCode, decimal BalanceUsd);

internal sealed record SignInRequest(string? Email, string? Password);

internal sealed record SignInResponse(string Token, string AccountId, DateTimeOffset ExpiresAt);

/// <summary>Signing up with an email and password, and signing in for a session token.</summary>
internal static class SignInApi
{
    private const string WrongCredentials = "The email or password is wrong.";

    public static RouteGroupBuilder MapSignIn(this RouteGroupBuilder api)
    {
        api.MapPost("/signup", SignUpAsync).Accepts<SignUpRequest>("application/json").RequireRateLimiting(UserApiExtensions.AuthRateLimitPolicy);
        api.MapPost("/signin", SignInAsync).Accepts<SignInRequest>("application/json").RequireRateLimiting(UserApiExtensions.AuthRateLimitPolicy);
        return api;
    }

    private static async Task<Results<Created<SignUpResponse>, JsonHttpResult<ApiError>>> SignUpAsync(
        HttpContext http, SignUps signUps, IOptions<UserApiOptions> options)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<SignUpRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        var minLength = options.Value.MinPasswordLength;
        var result = await signUps.SignUpAsync(request.Email, request.Password, request.InviteCode, minLength);
        return result switch
        {
            { Outcome: SignUpOutcome.SignedUp, Account: { } view } =>
                TypedResults.Created("/api/me", new SignUpResponse(view.AccountId, view.InviteCode, view.Balance.ToDecimal())),
            { Outcome: SignUpOutcome.InvalidEmail } => ApiErrors.BadRequest("invalid_email", "'email' must be an email address."),
            { Outcome: SignUpOutcome.WeakPassword } => ApiErrors.BadRequest("weak_password", $"'password' must be at least {minLength} characters."),
            { Outcome: SignUpOutcome.PasswordTooLong } =>
                ApiErrors.BadRequest("password_too_long", $"'password' must be at most {Passwords.MaxLength} characters."),
            { Outcome: SignUpOutcome.UnknownInviteCode } =>
                ApiErrors.BadRequest("invalid_invite_code", $"The invite code '{result.InviteCode}' does not exist."),
            _ => ApiErrors.Conflict("email_taken", "The email is already registered; sign in instead."),
        };
    }

    private static async Task<Results<Ok<SignInResponse>, JsonHttpResult<ApiError>>> SignInAsync(
        HttpContext http, SignIns signIns, SessionTokens tokens, TimeProvider clock)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<SignInRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        var result = await signIns.SignInAsync(request.Email, request.Password);
        switch (result)
        {
            case { Outcome: SignInOutcome.SignedIn, AccountId: { } accountId }:
                var (token, session) = tokens.Issue(accountId);
                return TypedResults.Ok(new SignInResponse(token, session.AccountId, session.ExpiresAt));
            case { Outcome: SignInOutcome.Locked, LockedUntil: { } lockedUntil }:
                return Locked(http, clock, lockedUntil);
            case { LockedUntil: { } nowLockedUntil }:
                return ApiErrors.Unauthorized($"{WrongCredentials} Too many failed attempts: sign-in is locked until {nowLockedUntil:u}.");
            default:
                return ApiErrors.Unauthorized(WrongCredentials);
        }
    }

    private static JsonHttpResult<ApiError> Locked(HttpContext http, TimeProvider clock, DateTimeOffset until)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling((until - clock.GetUtcNow()).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Of(StatusCodes.Status429TooManyRequests, "rate_limit_error", "sign_in_locked",
            $"Too many failed sign-ins: sign-in for this email is locked until {until:u}.", until);
    }
}
