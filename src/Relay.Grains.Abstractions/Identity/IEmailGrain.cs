namespace Relay.Identity;

/// <summary>
/// One email address (keyed by its trimmed lowercase form): which account it belongs to, the password
/// hash to sign in with, and the failed attempts that lock it out. One account per email.
/// </summary>
public interface IEmailGrain : IGrainWithStringKey
{
    /// <summary>Binds the email to an account with a password hash; the first binding wins and is returned.</summary>
    Task<EmailLogin> RegisterAsync(string accountId, string passwordHash);

    /// <summary>The binding, or null for an email nobody registered.</summary>
    Task<EmailLogin?> GetAsync();

    /// <summary>Records a sign-in attempt; enough failures in a row lock sign-in for a while.</summary>
    Task<EmailLogin?> RecordSignInAsync(bool succeeded);

    /// <summary>Replaces the password hash (e.g. a rehash after the hasher's parameters changed).</summary>
    Task SetPasswordHashAsync(string passwordHash);
}

/// <summary>An email's account, password hash and lockout.</summary>
[GenerateSerializer, Immutable, Alias("Relay.EmailLogin")]
public sealed record EmailLogin(
    [property: Id(0)] string Email,
    [property: Id(1)] string AccountId,
    [property: Id(2)] string PasswordHash,
    [property: Id(3)] int FailedAttempts,
    [property: Id(4)] DateTimeOffset? LockedUntil);
