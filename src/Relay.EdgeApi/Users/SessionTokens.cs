using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.EdgeApi.Users;

/// <summary>A signed-in person: the account every request of theirs is confined to.</summary>
internal sealed record UserSession(string AccountId, DateTimeOffset ExpiresAt);

/// <summary>
/// Stateless session tokens: <c>base64url(accountId|expiryUnixSeconds) "." base64url(HMAC-SHA256(secret, same))</c>.
/// Any edge holding the secret can check one without asking anyone; a token cannot be withdrawn before it
/// expires, which is why its lifetime is bounded by configuration.
/// </summary>
internal sealed class SessionTokens(IOptions<UserApiOptions> options, TimeProvider clock)
{
    private const char Separator = '|';

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Value.SessionSecret);

    public (string Token, UserSession Session) Issue(string accountId)
    {
        if (accountId.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException("An account id never contains '|'.", nameof(accountId));
        }
        // Whole seconds, so the expiry in the token is exactly the expiry reported.
        var expires = DateTimeOffset.FromUnixTimeSeconds((clock.GetUtcNow() + options.Value.SessionLifetime).ToUnixTimeSeconds());
        var payload = Encoding.UTF8.GetBytes(
            accountId + Separator + expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var token = Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_secret, payload));
        return (token, new UserSession(accountId, expires));
    }

    /// <summary>The session a token carries, or null when it is malformed, forged or expired.</summary>
    public UserSession? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return null;
        }
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }
        byte[] payload;
        byte[] signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_secret, payload), signature))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(payload);
        var bar = text.LastIndexOf(Separator);
        if (bar <= 0 || !long.TryParse(text.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return null;
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(unix);
        return expires > clock.GetUtcNow() ? new UserSession(text[..bar], expires) : null;
    }
}
