using System.Security.Cryptography;
using System.Text;

namespace Relay.Keys;

/// <summary>Makes and hashes API keys. A key is "sk-relay-" followed by 32 random bytes in base64url.</summary>
public static class ApiKeys
{
    public const string Prefix = "sk-relay-";

    public static string NewKey() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The key id: lowercase hex SHA-256 of the plain key's UTF-8 bytes.</summary>
    public static string IdOf(string plainKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plainKey)));
}
