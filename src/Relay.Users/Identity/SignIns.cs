using Microsoft.AspNetCore.Identity;
using Relay.Identity;

namespace Relay.Users.Identity;

public enum SignInOutcome
{
    SignedIn = 0,
    /// <summary>The email or the password is wrong (the answer does not say which).</summary>
    WrongCredentials = 1,
    /// <summary>Sign-in for this email is locked until <see cref="SignInResult.LockedUntil"/>.</summary>
    Locked = 2,
}

/// <summary>
/// How a sign-in ended. <see cref="LockedUntil"/> is set when sign-in is locked, also on the failure that locked it.
/// </summary>
public sealed record SignInResult(SignInOutcome Outcome, string? AccountId, DateTimeOffset? LockedUntil);

/// <summary>
/// Checks an email and password against the email's grain, counting failures and rehashing an old hash. The edge's
/// <c>POST /api/signin</c> and the console's sign-in page both go through here.
/// </summary>
public sealed class SignIns(IGrainFactory grains, Passwords passwords)
{
    public async Task<SignInResult> SignInAsync(string? emailGiven, string? password)
    {
        password ??= "";
        if (EmailAddresses.Normalize(emailGiven) is not { } email || password.Length is 0 or > Passwords.MaxLength)
        {
            return new SignInResult(SignInOutcome.WrongCredentials, null, null);
        }
        var grain = grains.GetGrain<IEmailGrain>(email);
        if (await grain.GetAsync() is not { } login)
        {
            passwords.VerifyNobody(password);
            return new SignInResult(SignInOutcome.WrongCredentials, null, null);
        }
        if (login.LockedUntil is { } lockedUntil)
        {
            return new SignInResult(SignInOutcome.Locked, null, lockedUntil);
        }

        var verdict = passwords.Verify(email, login.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var after = await grain.RecordSignInAsync(false);
            return new SignInResult(SignInOutcome.WrongCredentials, null, after?.LockedUntil);
        }
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await grain.SetPasswordHashAsync(passwords.Hash(email, password));
        }
        if (login.FailedAttempts > 0)
        {
            await grain.RecordSignInAsync(true);
        }
        return new SignInResult(SignInOutcome.SignedIn, login.AccountId, null);
    }
}
