using Relay.Accounts;
using Relay.Keys;

namespace Relay.Users.Keys;

/// <summary>A new key: the plain <see cref="Key"/> is in this answer and nowhere else, ever. Null when the account holds the most keys it may.</summary>
public sealed record NewKeyResult(ApiKeyRecord? Record, string? Key)
{
    public bool Created => Record is not null;
}

/// <summary>An account's key as its owner sees it.</summary>
public sealed record KeyListing(string KeyId, string Name, DateTimeOffset CreatedAt, bool Revoked);

/// <summary>
/// A person's API keys: create (shown once), list, revoke, always within one account. The edge's <c>/api/keys</c>
/// and the console's keys page both go through here.
/// </summary>
public sealed class UserKeys(IGrainFactory grains)
{
    public const int MaxNameLength = 100;

    /// <summary>The name as stored, or null when it is empty or longer than <see cref="MaxNameLength"/>.</summary>
    public static string? NormalizeName(string? name) =>
        name?.Trim() is { Length: > 0 and <= MaxNameLength } trimmed ? trimmed : null;

    public async Task<NewKeyResult> CreateAsync(string accountId, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        var account = grains.GetGrain<IAccountGrain>(accountId);
        var plain = ApiKeys.NewKey();
        var keyGrain = grains.GetGrain<IApiKeyGrain>(ApiKeys.IdOf(plain));
        // The key grain first: a key the account lists always resolves. A key registered but refused by the
        // account is revoked at once, so it can never be used.
        var record = await keyGrain.RegisterAsync(accountId, name);
        if (!await account.AddKeyAsync(new AccountKey(record.KeyId, record.Name, record.CreatedAt)))
        {
            await keyGrain.RevokeAsync();
            return new NewKeyResult(null, null);
        }
        return new NewKeyResult(record, plain);
    }

    public async Task<IReadOnlyList<KeyListing>> ListAsync(string accountId)
    {
        var keys = await grains.GetGrain<IAccountGrain>(accountId).ListKeysAsync();
        var records = await Task.WhenAll(keys.Select(k => grains.GetGrain<IApiKeyGrain>(k.KeyId).GetAsync()));
        return [.. keys.Zip(records, (key, record) => new KeyListing(key.KeyId, key.Name, key.CreatedAt, record?.Revoked ?? true))];
    }

    /// <summary>Revokes a key the account lists; false for any other key id (another account's is as unknown as a made-up one).</summary>
    public async Task<bool> RevokeAsync(string accountId, string keyId)
    {
        var keys = await grains.GetGrain<IAccountGrain>(accountId).ListKeysAsync();
        if (!keys.Any(k => k.KeyId == keyId))
        {
            return false;
        }
        await grains.GetGrain<IApiKeyGrain>(keyId).RevokeAsync();
        return true;
    }
}
