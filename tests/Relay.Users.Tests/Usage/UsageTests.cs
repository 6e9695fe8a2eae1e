using System.Net;
using Relay.Accounts;
using Relay.Money;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Usage;

[Collection(SharedSilo.Name)]
public sealed class UsageTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task Usage_lists_each_call_with_its_tokens_cost_and_model_newest_first()
    {
        var user = await Client.NewUserAsync();
        await silo.SettleCallAsync(user.AccountId, "call-1", "claude-sonnet-4-5", Usd.FromDecimal(0.004321m),
            new TokenUsage(1000, 200, CacheReadTokens: 50, CacheWrite5mTokens: 7, ReasoningTokens: 30));
        await silo.SettleCallAsync(user.AccountId, "call-2", "gpt-5", Usd.FromDecimal(0.000000001m));

        var all = await Client.GetAsync("/api/usage", user.Token);
        var sonnet = await Client.GetAsync("/api/usage?model=claude-sonnet-4-5", user.Token);

        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(["gpt-5", "claude-sonnet-4-5"], all.Body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("model").GetString()));
        var call = Assert.Single(sonnet.Body.GetProperty("data").EnumerateArray());
        Assert.Equal("anthropic-main", call.GetProperty("channel").GetString());
        Assert.Equal(0.004321m, call.GetProperty("costUsd").GetDecimal());
        Assert.False(call.GetProperty("estimated").GetBoolean());
        Assert.Equal(silo.Clock.GetUtcNow(), call.GetProperty("time").GetDateTimeOffset());
        var tokens = call.GetProperty("tokens");
        Assert.Equal(
            [1000L, 200L, 50L, 7L, 0L, 30L, 1287L],
            new[] { "input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h", "reasoning", "total" }.Select(k => tokens.GetProperty(k).GetInt64()));
    }

    [Fact]
    public async Task Daily_usage_adds_up_the_calls_of_each_model_per_day()
    {
        var user = await Client.NewUserAsync();
        await silo.SettleCallAsync(user.AccountId, "call-1", "claude-sonnet-4-5", Usd.FromDecimal(0.1m));
        await silo.SettleCallAsync(user.AccountId, "call-2", "claude-sonnet-4-5", Usd.FromDecimal(0.05m));

        var daily = await Client.GetAsync("/api/usage/daily", user.Token);

        var day = Assert.Single(daily.Body.GetProperty("data").EnumerateArray());
        Assert.Equal(DateOnly.FromDateTime(silo.Clock.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            day.GetProperty("day").GetString());
        Assert.Equal(2, day.GetProperty("calls").GetInt64());
        Assert.Equal(2000, day.GetProperty("tokens").GetProperty("input").GetInt64());
        Assert.Equal(0.15m, day.GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task The_ledger_pages_newest_first_with_exact_balances_after_each_entry()
    {
        var user = await Client.NewUserAsync();
        await silo.SettleCallAsync(user.AccountId, "call-1", "claude-sonnet-4-5", Usd.FromDecimal(0.004321m));

        var first = await Client.GetAsync("/api/ledger?limit=1", user.Token);
        var nextBefore = first.Body.GetProperty("nextBefore").GetInt64();
        var second = await Client.GetAsync($"/api/ledger?limit=1&before={nextBefore}", user.Token);
        var tooMany = await Client.GetAsync("/api/ledger?limit=100000", user.Token);

        var charge = Assert.Single(first.Body.GetProperty("data").EnumerateArray());
        Assert.Equal("UsageCharge", charge.GetProperty("kind").GetString());
        Assert.Equal(-0.004321m, charge.GetProperty("amountUsd").GetDecimal());
        Assert.Equal(0.495679m, charge.GetProperty("balanceAfterUsd").GetDecimal());
        var bonus = Assert.Single(second.Body.GetProperty("data").EnumerateArray());
        Assert.Equal("SignUpBonus", bonus.GetProperty("kind").GetString());
        Assert.Equal(0.50m, bonus.GetProperty("balanceAfterUsd").GetDecimal());
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.Status);
    }
}
