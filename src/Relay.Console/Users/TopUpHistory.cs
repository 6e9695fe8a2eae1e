using Relay.Accounts;

namespace Relay.Console.Users;

/// <summary>An account's credits that came from outside (top-ups) and from invites, read from its ledger.</summary>
internal sealed class TopUpHistory(IGrainFactory grains)
{
    private const int PageSize = 1000;

    /// <summary>The entry id prefix of an Alipay top-up: <c>alipay:{orderId}</c>.</summary>
    public const string AlipayPrefix = "alipay:";

    /// <summary>The entry id prefix of a stablecoin deposit: <c>chain:{chainId}:{txHash}:{logIndex}</c>.</summary>
    public const string ChainPrefix = "chain:";

    /// <summary>Every entry of the given kinds, newest first, read through the whole ledger a page at a time.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> EntriesAsync(string accountId, params LedgerEntryKind[] kinds)
    {
        var account = grains.GetGrain<IAccountGrain>(accountId);
        var found = new List<LedgerEntry>();
        long? before = null;
        while (true)
        {
            var page = await account.GetLedgerAsync(before, PageSize);
            found.AddRange(page.Where(e => kinds.Contains(e.Kind)));
            if (page.Count < PageSize)
            {
                return found;
            }
            before = page[^1].Sequence;
        }
    }

    /// <summary>The Alipay order number of a top-up entry, or null for any other entry.</summary>
    public static string? OrderIdOf(LedgerEntry entry) =>
        entry.Kind == LedgerEntryKind.TopUp && entry.EntryId.StartsWith(AlipayPrefix, StringComparison.Ordinal)
            ? entry.EntryId[AlipayPrefix.Length..]
            : null;

    /// <summary>The transaction hash of a stablecoin deposit entry, or null for any other entry.</summary>
    public static string? TransactionOf(LedgerEntry entry) =>
        entry.Kind == LedgerEntryKind.TopUp && entry.EntryId.StartsWith(ChainPrefix, StringComparison.Ordinal)
            && entry.EntryId.Split(':') is [_, _, var hash, _]
            ? hash
            : null;
}
