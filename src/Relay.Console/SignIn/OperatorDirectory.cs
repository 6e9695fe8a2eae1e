using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Relay.Console.Hosting;
using Relay.Users.Identity;

namespace Relay.Console.SignIn;

/// <summary>The operators from configuration, checked with the same password hasher as people's passwords.</summary>
internal sealed class OperatorDirectory(IOptionsMonitor<ConsoleOptions> options, Passwords passwords)
{
    /// <summary>The operator's roles when the name and password match one, else null; costs a hash check either way.</summary>
    public IReadOnlyList<string>? Check(string? name, string? password)
    {
        password ??= "";
        var entry = options.CurrentValue.Operators.FirstOrDefault(o =>
            !string.IsNullOrEmpty(o.Name) && string.Equals(o.Name, name?.Trim(), StringComparison.Ordinal));
        if (entry is null || string.IsNullOrEmpty(entry.PasswordHash) || password.Length is 0 or > Passwords.MaxLength)
        {
            passwords.VerifyNobody(password);
            return null;
        }
        PasswordVerificationResult verdict;
        try
        {
            verdict = passwords.Verify(entry.Name, entry.PasswordHash, password);
        }
        catch (FormatException)
        {
            // A hash that is not one (a mistyped setting) lets nobody in.
            return null;
        }
        return verdict == PasswordVerificationResult.Failed ? null : entry.Roles;
    }

    /// <summary>The operator's current roles, or null when the operator is no longer configured.</summary>
    public IReadOnlyList<string>? RolesOf(string name) =>
        options.CurrentValue.Operators.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.Ordinal))?.Roles;
}
