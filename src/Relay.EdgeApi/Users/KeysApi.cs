using Microsoft.AspNetCore.Http.HttpResults;
using Relay.Users.Keys;

namespace Relay.EdgeApi.Users;

internal sealed record CreateKeyRequest(string? Name);

/// <summary>A new key: the plain <see cref="Key"/> is in this answer and nowhere else, ever.</summary>
internal sealed record CreatedKey(string KeyId, string Key, string Name, DateTimeOffset CreatedAt);

internal sealed record KeyLine(string KeyId, string Name, DateTimeOffset CreatedAt, bool Revoked);

/// <summary>A signed-in person's API keys: create (shown once), list, revoke.</summary>
internal static class KeysApi
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api)
    {
        api.MapGet("/keys", ListAsync);
        api.MapPost("/keys", CreateAsync).Accepts<CreateKeyRequest>("application/json");
        api.MapDelete("/keys/{keyId}", RevokeAsync);
        return api;
    }

    private static async Task<Ok<ListOf<KeyLine>>> ListAsync(HttpContext http, UserKeys keys)
    {
        var listed = await keys.ListAsync(http.SignedInSession().AccountId);
        return TypedResults.Ok(new ListOf<KeyLine>([.. listed.Select(k => new KeyLine(k.KeyId, k.Name, k.CreatedAt, k.Revoked))]));
    }

    private static async Task<Results<Created<CreatedKey>, JsonHttpResult<ApiError>>> CreateAsync(HttpContext http, UserKeys keys)
    {
        var (request, invalid) = await JsonBodies.ReadAsync<CreateKeyRequest>(http.Request);
        if (request is null)
        {
            return invalid!;
        }
        if (UserKeys.NormalizeName(request.Name) is not { } name)
        {
            return ApiErrors.BadRequest("invalid_name", $"'name' is required, at most {UserKeys.MaxNameLength} characters.");
        }
        var created = await keys.CreateAsync(http.SignedInSession().AccountId, name);
        return created is { Record: { } record, Key: { } plain }
            ? TypedResults.Created($"/api/keys/{record.KeyId}", new CreatedKey(record.KeyId, plain, record.Name, record.CreatedAt))
            : ApiErrors.Conflict("too_many_keys", "The account holds the most API keys it may; revoke one first.");
    }

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> RevokeAsync(HttpContext http, UserKeys keys, string keyId) =>
        await keys.RevokeAsync(http.SignedInSession().AccountId, keyId)
            ? TypedResults.NoContent()
            : ApiErrors.NotFound("key_not_found", $"No API key '{keyId}' on this account.");
}
