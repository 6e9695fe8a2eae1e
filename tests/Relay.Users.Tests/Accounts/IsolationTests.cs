using System.Net;
using Relay.Accounts;
using Relay.Keys;
using Relay.Money;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Accounts;

[Collection(SharedSilo.Name)]
public sealed class IsolationTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task Another_account_cannot_revoke_a_key_it_does_not_hold()
    {
        var owner = await Client.NewUserAsync();
        var other = await Client.NewUserAsync();
        var keyId = (await Client.PostAsync("/api/keys", new { name = "mine" }, owner.Token)).Body.GetProperty("keyId").GetString()!;

        var refused = await Client.DeleteAsync($"/api/keys/{keyId}", other.Token);
        var othersKeys = await Client.GetAsync("/api/keys", other.Token);

        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.False((await silo.Grains.GetGrain<IApiKeyGrain>(keyId).GetAsync())!.Revoked);
        Assert.Empty(othersKeys.Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Another_account_cannot_revoke_a_device_of_the_first()
    {
        var owner = await Client.NewUserAsync();
        var other = await Client.NewUserAsync();
        var account = silo.Grains.GetGrain<IAccountGrain>(owner.AccountId);
        Assert.True((await account.AdmitAsync(new AdmissionRequest("call-1", "laptop", Usd.FromDecimal(0.01m)))).Admitted);

        var refused = await Client.DeleteAsync("/api/devices/laptop", other.Token);
        var ownersDevices = await Client.GetAsync("/api/devices", owner.Token);
        var othersDevices = await Client.GetAsync("/api/devices", other.Token);
        var freed = await Client.DeleteAsync("/api/devices/laptop", owner.Token);

        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Equal("device_not_found", refused.ErrorCode);
        Assert.Equal("laptop", Assert.Single(ownersDevices.Body.GetProperty("data").EnumerateArray()).GetProperty("device").GetString());
        Assert.Empty(othersDevices.Body.GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, freed.Status);
        Assert.Empty((await Client.GetAsync("/api/devices", owner.Token)).Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Each_session_reads_its_own_balance_ledger_and_usage_and_nothing_of_another()
    {
        var owner = await Client.NewUserAsync();
        var other = await Client.NewUserAsync();
        await silo.SettleCallAsync(owner.AccountId, "call-1", "claude-sonnet-4-5", Usd.FromDecimal(0.25m));

        var othersMe = await Client.MeAsync(other);
        var othersLedger = await Client.GetAsync("/api/ledger", other.Token);
        var othersUsage = await Client.GetAsync("/api/usage", other.Token);
        var othersDaily = await Client.GetAsync("/api/usage/daily", other.Token);
        var ownersUsage = await Client.GetAsync("/api/usage", owner.Token);

        Assert.Equal(other.AccountId, othersMe.GetProperty("accountId").GetString());
        Assert.Equal(0.50m, othersMe.GetProperty("balanceUsd").GetDecimal());
        Assert.Equal(["SignUpBonus"], othersLedger.Body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Empty(othersUsage.Body.GetProperty("data").EnumerateArray());
        Assert.Empty(othersDaily.Body.GetProperty("data").EnumerateArray());
        Assert.Single(ownersUsage.Body.GetProperty("data").EnumerateArray());
        Assert.Equal(0.25m, await Client.BalanceAsync(owner));
    }
}
