using Relay.Accounts;
using Relay.Money;

namespace Relay.Users.Tests.Support;

public static class Calls
{
    /// <summary>Admits and settles one call on an account, as an edge relaying it would.</summary>
    public static async Task SettleCallAsync(this InProcessSilo silo, string accountId, string callId, string model, Usd cost, TokenUsage? tokens = null)
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(accountId);
        Assert.True((await account.AdmitAsync(new AdmissionRequest(callId, "laptop", Usd.FromDecimal(0.01m)))).Admitted);
        var settled = await account.SettleAsync(new Settlement(callId,
            new UsageRecord(model, "anthropic-main", tokens ?? new TokenUsage(1000, 200), cost, Estimated: false)));
        Assert.Equal(PostingOutcome.Booked, settled.Outcome);
    }
}
