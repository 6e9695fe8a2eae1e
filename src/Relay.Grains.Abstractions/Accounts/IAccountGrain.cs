using Orleans.Concurrency;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>One account: the single writer of its money, reservations and device sessions.</summary>
/// <remarks>The relay path needs only the calls part, <see cref="IAccountCallsGrain"/>, and sees only that.</remarks>
public interface IAccountGrain : IAccountCallsGrain
{
    /// <summary>Opens the account for an email; opening it again with the same email changes nothing.</summary>
    Task<AccountView> OpenAsync(string email);

    /// <summary>
    /// A person signing up: opens the account, books the sign-up bonus and, with a valid invite code of
    /// another account, the invite bonus; remembers the inviter for the referral reward. Idempotent.
    /// </summary>
    Task<AccountView> SignUpAsync(string email, string? inviteCode);

    /// <summary>The account's balance, reservations and devices now.</summary>
    /// <remarks>Interleaves with other calls: it only reads memory, and transfers ask it of each other.</remarks>
    [AlwaysInterleave]
    Task<AccountView> GetAsync();

    /// <summary>Books a credit or debit exactly once per entry id.</summary>
    Task<PostingResult> PostAsync(LedgerPosting posting);

    /// <summary>The newest ledger entries, newest first, before a sequence number (exclusive) when given.</summary>
    Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(long? beforeSequence, int limit);

    /// <summary>Settled calls with their usage, newest first.</summary>
    Task<IReadOnlyList<LedgerEntry>> GetUsageAsync(UsageQuery query);

    /// <summary>Calls, tokens and cost per UTC day and model within a time range.</summary>
    Task<IReadOnlyList<DailyUsage>> GetDailyUsageAsync(DateTimeOffset since, DateTimeOffset until);

    /// <summary>Records that a key (already registered in its key grain) belongs to this account.</summary>
    /// <returns>False when the account already has the most keys it may hold.</returns>
    Task<bool> AddKeyAsync(AccountKey key);

    /// <summary>The account's keys, newest first; whether each is revoked is in its key grain.</summary>
    Task<IReadOnlyList<AccountKey>> ListKeysAsync();

    /// <summary>Frees a device's slot at once.</summary>
    Task<bool> RevokeDeviceAsync(string device);

    /// <summary>
    /// Gives part of the balance to another account, exactly once on both sides per transfer id, also when
    /// a silo dies between the debit and the credit (the intent is persisted before the debit and resent
    /// until the recipient confirms: on a timer, on activation and on a retry of the same transfer id).
    /// </summary>
    Task<TransferResult> TransferAsync(TransferRequest request);

    /// <summary>Books the credit of a transfer (once per sender and transfer id) and confirms it to the sender.</summary>
    /// <remarks>One-way, so two accounts sending to each other at once never wait on each other.</remarks>
    [OneWay]
    Task ReceiveTransferAsync(TransferCredit credit);

    /// <summary>The recipient booked the credit: the sender forgets the transfer's intent.</summary>
    [OneWay]
    Task ConfirmTransferAsync(string transferId);

    /// <summary>Disables or re-enables the account; a disabled account admits no call and books no debit but usage.</summary>
    Task SetDisabledAsync(bool disabled);
}
