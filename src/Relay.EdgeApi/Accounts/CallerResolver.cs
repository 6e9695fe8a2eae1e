using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Errors;
using Relay.EdgeApi.Hosting;
using Relay.Keys;

namespace Relay.EdgeApi.Accounts;

/// <summary>Who is calling: the account behind a live API key.</summary>
public sealed record Caller(string AccountId, string KeyId);

/// <summary>The caller of a request, or the refusal to answer it with.</summary>
public sealed record Authentication(Caller? Caller, Refusal? Refusal);

/// <summary>
/// Resolves the API key a request carries (<c>x-api-key</c> or <c>Authorization: Bearer</c>) to its account.
/// Answers are cached for <c>Relay:Keys:CacheFor</c>, which bounds how long a revoked key keeps working. A key that
/// is not shaped like one is refused without a lookup; an unknown key is remembered as unknown for
/// <c>Relay:Keys:MissCacheFor</c> (no key can be asked for before it is made, so this never delays a new key); and
/// an address that keeps failing is throttled (<see cref="FailedKeyThrottle"/>).
/// </summary>
public sealed class CallerResolver : IDisposable
{
    /// <summary>At most this many unknown keys are remembered; past it a miss is simply not cached.</summary>
    private const int MaxRememberedMisses = 100_000;

    private readonly IGrainFactory _grains;
    private readonly IMemoryCache _cache;
    private readonly IOptionsMonitor<RelayOptions> _options;
    private readonly FailedKeyThrottle _throttle;

    // Misses have their own bounded cache: an attacker choosing keys chooses how many there are.
    private readonly MemoryCache _misses = new(new MemoryCacheOptions { SizeLimit = MaxRememberedMisses });

    public CallerResolver(IGrainFactory grains, IMemoryCache cache, IOptionsMonitor<RelayOptions> options, FailedKeyThrottle throttle)
    {
        _grains = grains;
        _cache = cache;
        _options = options;
        _throttle = throttle;
    }

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

    /// <summary>
    /// The caller of <paramref name="context"/>'s request, or a refusal: 429 for an address that failed too often
    /// (checked first, so its keys are not even looked at), 401 for no key or one that is not a live key.
    /// </summary>
    public async ValueTask<Authentication> AuthenticateAsync(HttpContext context)
    {
        var address = FailedKeyThrottle.AddressOf(context);
        if (_throttle.Refuses(address) is { } wait)
        {
            return new Authentication(null, new Refusal(
                RefusalKind.RateLimited,
                "Too many requests with an invalid API key from this address; wait and try again with a valid key.")
            { RetryAfter = wait });
        }
        var plainKey = KeyFrom(context.Request);
        if (plainKey is null)
        {
            _throttle.Failed(address);
            return new Authentication(null, new Refusal(
                RefusalKind.Unauthenticated, "No API key. Send your Relay key as 'x-api-key: <key>' or 'Authorization: Bearer <key>'."));
        }
        var caller = await ResolveAsync(plainKey);
        if (caller is null)
        {
            _throttle.Failed(address);
            return new Authentication(null, new Refusal(
                RefusalKind.Unauthenticated, "Invalid API key. Check the key, or create a new one: revoked keys stop working within seconds."));
        }
        return new Authentication(caller, null);
    }

    public async ValueTask<Caller?> ResolveAsync(string plainKey)
    {
        if (!ApiKeys.IsWellFormed(plainKey))
        {
            return null;
        }
        var keyId = ApiKeys.IdOf(plainKey);
        if (_cache.TryGetValue<Caller>(CacheKey(keyId), out var cached))
        {
            return cached;
        }
        if (_misses.TryGetValue(keyId, out _))
        {
            return null;
        }
        var record = await _grains.GetGrain<IApiKeyGrain>(keyId).GetAsync();
        var keys = _options.CurrentValue.Keys;
        if (record is null || record.Revoked)
        {
            if (keys.MissCacheFor > TimeSpan.Zero)
            {
                _misses.Set(keyId, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keys.MissCacheFor });
            }
            return null;
        }
        var caller = new Caller(record.AccountId, keyId);
        _cache.Set(CacheKey(keyId), caller, keys.CacheFor);
        return caller;
    }

    /// <summary>Forgets a key at once on this edge (other edges forget it when their cache entry expires).</summary>
    public void Forget(string keyId)
    {
        _cache.Remove(CacheKey(keyId));
        _misses.Remove(keyId);
    }

    public void Dispose() => _misses.Dispose();

    private static string CacheKey(string keyId) => "key:" + keyId;
}
