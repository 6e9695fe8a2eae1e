using System.Security.Cryptography;
using System.Text;

namespace Relay.Keys;

/// <summary>Makes and hashes API keys. A key is "sk-relay-" followed by 32 random bytes in base64url.</summary>
public static class ApiKeys
{
    public const string Prefix = "sk-relay-";

    public static string NewKey() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Length of a key: the prefix and 32 bytes in unpadded base64url (43 characters).</summary>
    public const int Length = 52;

    /// <summary>
    /// True when <paramref name="plainKey"/> has the shape <see cref="NewKey"/> gives every key. A string of any
    /// other shape cannot be a key, so it is refused without looking it up.
    /// </summary>
    public static bool IsWellFormed(string? plainKey)
    {
        if (plainKey is null || plainKey.Length != Length || !plainKey.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in plainKey.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The key id: lowercase hex SHA-256 of the plain key's UTF-8 bytes.</summary>
    public static string IdOf(string plainKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plainKey)));
}
