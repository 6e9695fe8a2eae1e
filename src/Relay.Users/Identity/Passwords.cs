using Microsoft.AspNetCore.Identity;

namespace Relay.Users.Identity;

/// <summary>Whose password a hash protects; ASP.NET Core Identity's hasher is typed by it.</summary>
public sealed record PasswordOwner(string Email);

/// <summary>Hashes and checks passwords with ASP.NET Core Identity's hasher (PBKDF2, salted, versioned).</summary>
public sealed class Passwords(IPasswordHasher<PasswordOwner> hasher)
{
    public const int MaxLength = 1024;

    // Checking a password for an email nobody registered costs as much as a real check, so the answer's
    // timing does not tell which emails have accounts.
    private readonly Lazy<string> _nobodysHash = new(() => hasher.HashPassword(new PasswordOwner(""), Guid.NewGuid().ToString()));

    public string Hash(string email, string password) => hasher.HashPassword(new PasswordOwner(email), password);

    public PasswordVerificationResult Verify(string email, string hash, string password) =>
        hasher.VerifyHashedPassword(new PasswordOwner(email), hash, password);

    /// <summary>Spends the time of a password check and fails.</summary>
    public PasswordVerificationResult VerifyNobody(string password)
    {
        hasher.VerifyHashedPassword(new PasswordOwner(""), _nobodysHash.Value, password);
        return PasswordVerificationResult.Failed;
    }
}
