using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Hosting;
using Relay.Keys;

namespace Relay.EdgeApi.Accounts;

/// <summary>Who is calling: the account behind a live API key.</summary>
public sealed record Caller(string AccountId, string KeyId);

/// <summary>
/// Resolves the API key a request carries (<c>x-api-key</c> or <c>Authorization: Bearer</c>) to its account.
/// Answers are cached for <c>Relay:Keys:CacheFor</c>, which bounds how long a revoked key keeps working.
/// Unknown keys are not cached, so a key made a moment ago works at once.
/// </summary>
public sealed class CallerResolver(IGrainFactory grains, IMemoryCache cache, IOptionsMonitor<RelayOptions> options)
{
    public static string? KeyFrom(HttpRequest request)
    {
        var apiKey = request.Headers["x-api-key"].ToString();
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            return apiKey.Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && authorization.Length > bearer.Length)
        {
            return authorization[bearer.Length..].Trim();
        }
        return null;
    }

    public async ValueTask<Caller?> ResolveAsync(string plainKey)
    {
        var keyId = ApiKeys.IdOf(plainKey);
        if (cache.TryGetValue<Caller>(CacheKey(keyId), out var cached))
        {
            return cached;
        }
        var record = await grains.GetGrain<IApiKeyGrain>(keyId).GetAsync();
        if (record is null || record.Revoked)
        {
            return null;
        }
        var caller = new Caller(record.AccountId, keyId);
        cache.Set(CacheKey(keyId), caller, options.CurrentValue.Keys.CacheFor);
        return caller;
    }

    /// <summary>Forgets a key at once on this edge (other edges forget it when their cache entry expires).</summary>
    public void Forget(string keyId) => cache.Remove(CacheKey(keyId));

    private static string CacheKey(string keyId) => "key:" + keyId;
}
