using Microsoft.AspNetCore.Http.HttpResults;
using Relay.Accounts;
using Relay.Keys;

namespace Relay.EdgeApi.Users;

internal sealed record CreateKeyRequest(string? Name);

/// <summary>A new key: the plain <see cref="Key"/> is in this answer and nowhere else, ever.</summary>
internal sealed record CreatedKey(string KeyId, string Key, string Name, DateTimeOffset CreatedAt);

internal sealed record KeyLine(string KeyId, string Name, DateTimeOffset CreatedAt, bool Revoked);

/// <summary>A signed-in person's API keys: create (shown once), list, revoke.</summary>
internal static class KeysApi
{
    private const int MaxNameLength = 100;

    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api)
    {
        api.MapGet("/keys", ListAsync);
        api.MapPost("/keys", CreateAsync).Accepts<CreateKeyRequest>("application/json");
        api.MapDelete("/keys/{keyId}", RevokeAsync);
        return api;
    }

    private static async Task<Ok<ListOf<KeyLine>>> ListAsync(HttpContext http, IGrainFactory grains)
    {
        var keys = await grains.Account(http).ListKeysAsync();
        var records = await Task.WhenAll(keys.Select(k => grains.GetGrain<IApiKeyGrain>(k.KeyId).GetAsync()));
        return TypedResults.Ok(new ListOf<KeyLine>(
            [.. keys.Zip(records, (key, record) => new KeyLine(key.KeyId, key.Name, key.CreatedAt, record?.Revoked ?? true))]));
    }

    private static async Task<Results<Created<CreatedKey>, JsonHttpResult<ApiError>>> CreateAsync(
        HttpContext http, IGrainFactory grains)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<CreateKeyRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return ApiErrors.BadRequest("invalid_name", $"'name' is required, at most {MaxNameLength} characters.");
        }
        var account = grains.Account(http);
        var plain = ApiKeys.NewKey();
        var keyGrain = grains.GetGrain<IApiKeyGrain>(ApiKeys.IdOf(plain));
        // The key grain first: a key the account lists always resolves. A key registered but refused by the
        // account is revoked at once, so it can never be used.
        var record = await keyGrain.RegisterAsync(account.GetPrimaryKeyString(), name);
        if (!await account.AddKeyAsync(new AccountKey(record.KeyId, record.Name, record.CreatedAt)))
        {
            await keyGrain.RevokeAsync();
            return ApiErrors.Conflict("too_many_keys", "The account holds the most API keys it may; revoke one first.");
        }
        return TypedResults.Created($"/api/keys/{record.KeyId}", new CreatedKey(record.KeyId, plain, record.Name, record.CreatedAt));
    }

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> RevokeAsync(HttpContext http, IGrainFactory grains, string keyId)
    {
        // Only a key the session's own account lists: another account's key id is as unknown as a made-up one.
        var keys = await grains.Account(http).ListKeysAsync();
        if (!keys.Any(k => k.KeyId == keyId))
        {
            return ApiErrors.NotFound("key_not_found", $"No API key '{keyId}' on this account.");
        }
        await grains.GetGrain<IApiKeyGrain>(keyId).RevokeAsync();
        return TypedResults.NoContent();
    }
}
