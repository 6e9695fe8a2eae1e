namespace Relay.Users.Identity;

/// <summary>How an email address is keyed: trimmed and lowercase, so one person has one account.</summary>
public static class EmailAddresses
{
    private const int MaxLength = 254;

    /// <summary>The normalized address, or null when it cannot be an email address.</summary>
    public static string? Normalize(string? email)
    {
        var normalized = email?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(normalized) || normalized.Length > MaxLength)
        {
            return null;
        }
        var at = normalized.IndexOf('@', StringComparison.Ordinal);
        var valid = at > 0
            && at == normalized.LastIndexOf('@')
            && at < normalized.Length - 1
            && !normalized.Any(char.IsWhiteSpace);
        return valid ? normalized : null;
    }
}
