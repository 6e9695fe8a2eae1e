using System.Net;
using Relay.Keys;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Keys;

[Collection(SharedSilo.Name)]
public sealed class KeysTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task A_key_is_shown_once_at_creation_listed_by_id_and_revoked_for_good()
    {
        var user = await Client.NewUserAsync();

        var created = await Client.PostAsync("/api/keys", new { name = "laptop" }, user.Token);
        var key = created.Body.GetProperty("key").GetString()!;
        var keyId = created.Body.GetProperty("keyId").GetString()!;
        var listed = await Client.GetAsync("/api/keys", user.Token);
        var record = await silo.Grains.GetGrain<IApiKeyGrain>(ApiKeys.IdOf(key)).GetAsync();
        var revoked = await Client.DeleteAsync($"/api/keys/{keyId}", user.Token);
        var listedAfter = await Client.GetAsync("/api/keys", user.Token);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.StartsWith(ApiKeys.Prefix, key, StringComparison.Ordinal);
        Assert.Equal(ApiKeys.IdOf(key), keyId);
        var line = Assert.Single(listed.Body.GetProperty("data").EnumerateArray());
        Assert.Equal(keyId, line.GetProperty("keyId").GetString());
        Assert.Equal("laptop", line.GetProperty("name").GetString());
        Assert.False(line.GetProperty("revoked").GetBoolean());
        Assert.False(line.TryGetProperty("key", out _));
        Assert.Equal(user.AccountId, record!.AccountId);
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        Assert.True((await silo.Grains.GetGrain<IApiKeyGrain>(keyId).GetAsync())!.Revoked);
        Assert.True(Assert.Single(listedAfter.Body.GetProperty("data").EnumerateArray()).GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task A_key_without_a_name_is_refused()
    {
        var user = await Client.NewUserAsync();

        var created = await Client.PostAsync("/api/keys", new { name = " " }, user.Token);

        Assert.Equal(HttpStatusCode.BadRequest, created.Status);
        Assert.Equal("invalid_name", created.ErrorCode);
        Assert.Empty((await Client.GetAsync("/api/keys", user.Token)).Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task A_key_beyond_the_twenty_an_account_may_hold_is_refused_with_409_and_never_works()
    {
        var user = await Client.NewUserAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/api/keys", new { name = $"key {i}" }, user.Token)).Status);
        }

        var refused = await Client.PostAsync("/api/keys", new { name = "one too many" }, user.Token);

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal("too_many_keys", refused.ErrorCode);
        Assert.Equal(20, (await Client.GetAsync("/api/keys", user.Token)).Body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Revoking_a_key_id_the_account_never_had_is_404()
    {
        var user = await Client.NewUserAsync();

        var answer = await Client.DeleteAsync($"/api/keys/{ApiKeys.IdOf(ApiKeys.NewKey())}", user.Token);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("key_not_found", answer.ErrorCode);
    }
}
