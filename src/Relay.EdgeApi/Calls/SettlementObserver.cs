using Relay.Accounts;

namespace Relay.EdgeApi.Calls;

/// <summary>A call the edge has finished with: what it settled and what the account grain answered (null when settling failed).</summary>
public sealed record SettledCall(string CallId, string AccountId, UsageRecord Usage, PostingResult? Result);

/// <summary>Hears of every settled call after the settlement was posted (tests and audit hooks).</summary>
public interface ISettlementObserver
{
    void OnSettled(SettledCall settled);
}

internal sealed class NoSettlementObserver : ISettlementObserver
{
    public void OnSettled(SettledCall settled)
    {
    }
}
