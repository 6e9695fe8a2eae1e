using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Relay.Accounts;
using Relay.Identity;
using Relay.Invites;

namespace Relay.Users.Identity;

public enum SignUpOutcome
{
    SignedUp = 0,
    InvalidEmail = 1,
    WeakPassword = 2,
    PasswordTooLong = 3,
    UnknownInviteCode = 4,
    EmailTaken = 5,
}

/// <summary>How a sign-up ended: the new account, or why none was opened (nothing changed then).</summary>
/// <param name="InviteCode">The normalized invite code that was given, if any.</param>
public sealed record SignUpResult(SignUpOutcome Outcome, AccountView? Account, string? InviteCode);

/// <summary>
/// Signing up with an email and a password: claims the email, opens the account, books the bonuses. The edge's
/// <c>POST /api/signup</c> and the console's sign-up page both go through here.
/// </summary>
public sealed class SignUps(IGrainFactory grains, Passwords passwords)
{
    /// <summary>An account id: "acct_" and 24 random hex digits.</summary>
    public static string NewAccountId() => "acct_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The code as accounts hold it (trimmed, upper case), or null when none was given.</summary>
    public static string? NormalizeInviteCode(string? code) =>
        string.IsNullOrWhiteSpace(code) ? null : code.Trim().ToUpperInvariant();

    public async Task<SignUpResult> SignUpAsync(string? emailGiven, string? password, string? inviteCodeGiven, int minPasswordLength)
    {
        var inviteCode = NormalizeInviteCode(inviteCodeGiven);
        if (EmailAddresses.Normalize(emailGiven) is not { } email)
        {
            return new SignUpResult(SignUpOutcome.InvalidEmail, null, inviteCode);
        }
        if (password is null || password.Length < minPasswordLength)
        {
            return new SignUpResult(SignUpOutcome.WeakPassword, null, inviteCode);
        }
        if (password.Length > Passwords.MaxLength)
        {
            return new SignUpResult(SignUpOutcome.PasswordTooLong, null, inviteCode);
        }
        // Checked before the email is claimed, so a mistyped code does not leave the email bound to nothing.
        if (inviteCode is not null && await grains.GetGrain<IInviteCodeGrain>(inviteCode).GetOwnerAsync() is null)
        {
            return new SignUpResult(SignUpOutcome.UnknownInviteCode, null, inviteCode);
        }

        var accountId = NewAccountId();
        var binding = await grains.GetGrain<IEmailGrain>(email).RegisterAsync(accountId, passwords.Hash(email, password));
        if (binding.AccountId != accountId)
        {
            if (!await IsUnfinishedSignUpAsync(binding, password))
            {
                return new SignUpResult(SignUpOutcome.EmailTaken, null, inviteCode);
            }
            // An earlier attempt claimed the email and stopped before the account opened: finish it.
            accountId = binding.AccountId;
        }

        try
        {
            var view = await grains.GetGrain<IAccountGrain>(accountId).SignUpAsync(email, inviteCode);
            return new SignUpResult(SignUpOutcome.SignedUp, view, inviteCode);
        }
        catch (ArgumentException)
        {
            return new SignUpResult(SignUpOutcome.UnknownInviteCode, null, inviteCode);
        }
    }

    private async Task<bool> IsUnfinishedSignUpAsync(EmailLogin binding, string password) =>
        (await grains.GetGrain<IAccountGrain>(binding.AccountId).GetAsync()).CreatedAt is null
        && passwords.Verify(binding.Email, binding.PasswordHash, password) != PasswordVerificationResult.Failed;
}
