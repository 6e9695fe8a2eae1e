using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Identity;
using Relay.Invites;

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

    /// <summary>An account id: "acct_" and 24 random hex digits.</summary>
    public static string NewAccountId() => "acct_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static async Task<Results<Created<SignUpResponse>, JsonHttpResult<ApiError>>> SignUpAsync(
        HttpContext http, IGrainFactory grains, Passwords passwords, IOptions<UserApiOptions> options)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<SignUpRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        if (EmailAddresses.Normalize(request.Email) is not { } email)
        {
            return ApiErrors.BadRequest("invalid_email", "'email' must be an email address.");
        }
        var minLength = options.Value.MinPasswordLength;
        if (request.Password is not { } password || password.Length < minLength)
        {
            return ApiErrors.BadRequest("weak_password", $"'password' must be at least {minLength} characters.");
        }
        if (password.Length > Passwords.MaxLength)
        {
            return ApiErrors.BadRequest("password_too_long", $"'password' must be at most {Passwords.MaxLength} characters.");
        }
        var inviteCode = string.IsNullOrWhiteSpace(request.InviteCode) ? null : request.InviteCode.Trim().ToUpperInvariant();
        // Checked before the email is claimed, so a mistyped code does not leave the email bound to nothing.
        if (inviteCode is not null && await grains.GetGrain<IInviteCodeGrain>(inviteCode).GetOwnerAsync() is null)
        {
            return UnknownInviteCode(inviteCode);
        }

        var accountId = NewAccountId();
        var binding = await grains.GetGrain<IEmailGrain>(email).RegisterAsync(accountId, passwords.Hash(email, password));
        if (binding.AccountId != accountId)
        {
            if (!await IsUnfinishedSignUpAsync(grains, passwords, binding, password))
            {
                return ApiErrors.Conflict("email_taken", "The email is already registered; sign in instead.");
            }
            // An earlier attempt claimed the email and stopped before the account opened: finish it.
            accountId = binding.AccountId;
        }

        AccountView view;
        try
        {
            view = await grains.GetGrain<IAccountGrain>(accountId).SignUpAsync(email, inviteCode);
        }
        catch (ArgumentException)
        {
            return UnknownInviteCode(inviteCode ?? "");
        }
        return TypedResults.Created("/api/me", new SignUpResponse(accountId, view.InviteCode, view.Balance.ToDecimal()));
    }

    private static async Task<bool> IsUnfinishedSignUpAsync(IGrainFactory grains, Passwords passwords, EmailLogin binding, string password) =>
        (await grains.GetGrain<IAccountGrain>(binding.AccountId).GetAsync()).CreatedAt is null
        && passwords.Verify(binding.Email, binding.PasswordHash, password) != PasswordVerificationResult.Failed;

    private static JsonHttpResult<ApiError> UnknownInviteCode(string code) =>
        ApiErrors.BadRequest("invalid_invite_code", $"The invite code '{code}' does not exist.");

    private static async Task<Results<Ok<SignInResponse>, JsonHttpResult<ApiError>>> SignInAsync(
        HttpContext http, IGrainFactory grains, Passwords passwords, SessionTokens tokens, TimeProvider clock)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<SignInRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        var password = request.Password ?? "";
        if (EmailAddresses.Normalize(request.Email) is not { } email || password.Length is 0 or > Passwords.MaxLength)
        {
            return ApiErrors.Unauthorized(WrongCredentials);
        }
        var grain = grains.GetGrain<IEmailGrain>(email);
        if (await grain.GetAsync() is not { } login)
        {
            passwords.VerifyNobody(password);
            return ApiErrors.Unauthorized(WrongCredentials);
        }
        if (login.LockedUntil is { } lockedUntil)
        {
            return Locked(http, clock, lockedUntil);
        }

        var verdict = passwords.Verify(email, login.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var after = await grain.RecordSignInAsync(false);
            return after?.LockedUntil is { } nowLockedUntil
                ? ApiErrors.Unauthorized($"{WrongCredentials} Too many failed attempts: sign-in is locked until {nowLockedUntil:u}.")
                : ApiErrors.Unauthorized(WrongCredentials);
        }
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await grain.SetPasswordHashAsync(passwords.Hash(email, password));
        }
        if (login.FailedAttempts > 0)
        {
            await grain.RecordSignInAsync(true);
        }

        var (token, session) = tokens.Issue(login.AccountId);
        return TypedResults.Ok(new SignInResponse(token, session.AccountId, session.ExpiresAt));
    }

    private static JsonHttpResult<ApiError> Locked(HttpContext http, TimeProvider clock, DateTimeOffset until)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling((until - clock.GetUtcNow()).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Of(StatusCodes.Status429TooManyRequests, "rate_limit_error", "sign_in_locked",
            $"Too many failed sign-ins: sign-in for this email is locked until {until:u}.", until);
    }
}
