using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// A request to book money. <see cref="EntryId"/> is the caller's idempotency key: booking the same id
/// twice changes nothing and returns the first result. <see cref="Amount"/> is positive; the kind says
/// whether it is a credit or a debit, except for <see cref="LedgerEntryKind.AdminAdjustment"/>, whose
/// amount carries its sign and is never zero.
/// </summary>
[GenerateSerializer, Immutable, Alias("Relay.LedgerPosting")]
public sealed record LedgerPosting(
    [property: Id(0)] string EntryId,
    [property: Id(1)] LedgerEntryKind Kind,
    [property: Id(2)] Usd Amount,
    [property: Id(3)] string Reference);

/// <summary>One booked ledger entry as stored.</summary>
[GenerateSerializer, Immutable, Alias("Relay.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string EntryId,
    [property: Id(2)] LedgerEntryKind Kind,
    [property: Id(3)] Usd Delta,
    [property: Id(4)] Usd BalanceAfter,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string Reference,
    [property: Id(7)] UsageRecord? Usage);

public enum PostingOutcome
{
    Booked = 0,
    AlreadyBooked = 1,
    InsufficientBalance = 2,
    AccountDisabled = 3,
    UnknownAccount = 4,
    /// <summary>A settlement that cost nothing: the reservation was released and no entry was booked.</summary>
    Released = 5,
}

/// <summary>The result of a posting: the entry as first booked, or why nothing was booked.</summary>
[GenerateSerializer, Immutable, Alias("Relay.PostingResult")]
public sealed record PostingResult(
    [property: Id(0)] PostingOutcome Outcome,
    [property: Id(1)] LedgerEntry? Entry,
    [property: Id(2)] Usd Balance);

/// <summary>Tokens of one call by kind. The kinds are disjoint: each token is counted in exactly one.</summary>
[GenerateSerializer, Immutable, Alias("Relay.TokenUsage")]
public sealed record TokenUsage(
    [property: Id(0)] long InputTokens,
    [property: Id(1)] long OutputTokens,
    [property: Id(2)] long CacheReadTokens = 0,
    [property: Id(3)] long CacheWrite5mTokens = 0,
    [property: Id(4)] long CacheWrite1hTokens = 0,
    [property: Id(5)] long ReasoningTokens = 0)
{
    public static TokenUsage None { get; } = new(0, 0);

    public long Total => InputTokens + OutputTokens + CacheReadTokens + CacheWrite5mTokens + CacheWrite1hTokens + ReasoningTokens;
}

/// <summary>What a settled call used and cost, kept with its ledger entry.</summary>
[GenerateSerializer, Immutable, Alias("Relay.UsageRecord")]
public sealed record UsageRecord(
    [property: Id(0)] string Model,
    [property: Id(1)] string Channel,
    [property: Id(2)] TokenUsage Tokens,
    [property: Id(3)] Usd Cost,
    [property: Id(4)] bool Estimated,
    [property: Id(5)] string? UpstreamId = null)
{
    /// <summary>Web searches the upstream ran for the call, each charged in <see cref="Cost"/> beside the tokens.</summary>
    [Id(6)]
    public long WebSearchRequests { get; init; }
}

/// <summary>Asks to admit one call: its id, the device it comes from and a reservation for its likely cost.</summary>
[GenerateSerializer, Immutable, Alias("Relay.AdmissionRequest")]
public sealed record AdmissionRequest(
    [property: Id(0)] string CallId,
    [property: Id(1)] string Device,
    [property: Id(2)] Usd Estimate);

public enum AdmissionOutcome
{
    Admitted = 0,
    InsufficientBalance = 1,
    DeviceLimit = 2,
    AccountDisabled = 3,
    UnknownAccount = 4,

    /// <summary>
    /// The call was released (settled at no cost) before this admission of it arrived: its edge had given up
    /// waiting for the answer, so nothing is reserved for it.
    /// </summary>
    AlreadyReleased = 5,
}

/// <summary>When a device of the account last made a call.</summary>
[GenerateSerializer, Immutable, Alias("Relay.DeviceActivity")]
public sealed record DeviceActivity(
    [property: Id(0)] string Device,
    [property: Id(1)] DateTimeOffset FirstSeen,
    [property: Id(2)] DateTimeOffset LastActive);

/// <summary>The answer to an admission: admitted with what stays available, or refused with the reason.</summary>
[GenerateSerializer, Immutable, Alias("Relay.Admission")]
public sealed record Admission(
    [property: Id(0)] AdmissionOutcome Outcome,
    [property: Id(1)] Usd Available,
    [property: Id(2)] IReadOnlyList<DeviceActivity> ActiveDevices)
{
    public bool Admitted => Outcome == AdmissionOutcome.Admitted;
}

/// <summary>Closes a call's reservation and books what it cost. Idempotent on <see cref="CallId"/>.</summary>
[GenerateSerializer, Immutable, Alias("Relay.Settlement")]
public sealed record Settlement(
    [property: Id(0)] string CallId,
    [property: Id(1)] UsageRecord Usage);

/// <summary>An account as its grain holds it right now.</summary>
[GenerateSerializer, Immutable, Alias("Relay.AccountView")]
public sealed record AccountView(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string? Email,
    [property: Id(2)] Usd Balance,
    [property: Id(3)] Usd Reserved,
    [property: Id(4)] int OpenReservations,
    [property: Id(5)] bool Disabled,
    [property: Id(6)] IReadOnlyList<DeviceActivity> ActiveDevices,
    [property: Id(7)] long LedgerSequence,
    [property: Id(8)] DateTimeOffset? CreatedAt,
    [property: Id(9)] string? InviteCode = null,
    [property: Id(10)] string? InvitedBy = null,
    [property: Id(11)] bool ReferralRewardPaid = false)
{
    public Usd Available => Balance - Reserved;
}

/// <summary>Moves money to another account. <see cref="TransferId"/> is the idempotency key on both sides.</summary>
[GenerateSerializer, Immutable, Alias("Relay.TransferRequest")]
public sealed record TransferRequest(
    [property: Id(0)] string TransferId,
    [property: Id(1)] string ToAccountId,
    [property: Id(2)] Usd Amount,
    [property: Id(3)] string Note = "");

public enum TransferOutcome
{
    /// <summary>Debited from the sender; the credit to the recipient is guaranteed and follows within moments.</summary>
    Sent = 0,
    InsufficientBalance = 1,
    AccountDisabled = 2,
    UnknownRecipient = 3,
    ToSelf = 4,
    UnknownAccount = 5,
}

/// <summary>How a transfer ended, with the sender's entry when money moved.</summary>
[GenerateSerializer, Immutable, Alias("Relay.TransferResult")]
public sealed record TransferResult(
    [property: Id(0)] TransferOutcome Outcome,
    [property: Id(1)] LedgerEntry? SenderEntry,
    [property: Id(2)] Usd SenderBalance);

/// <summary>The credit side of a transfer, sent by the sender's grain to the recipient's.</summary>
[GenerateSerializer, Immutable, Alias("Relay.TransferCredit")]
public sealed record TransferCredit(
    [property: Id(0)] string FromAccountId,
    [property: Id(1)] string TransferId,
    [property: Id(2)] Usd Amount,
    [property: Id(3)] string Note);

/// <summary>Which settled calls to list: a time range, optionally one model, paged by sequence number.</summary>
[GenerateSerializer, Immutable, Alias("Relay.UsageQuery")]
public sealed record UsageQuery(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] DateTimeOffset To,
    [property: Id(2)] string? Model = null,
    [property: Id(3)] long? BeforeSequence = null,
    [property: Id(4)] int Limit = 50);

/// <summary>One day's (UTC) calls of one model, added up.</summary>
[GenerateSerializer, Immutable, Alias("Relay.DailyUsage")]
public sealed record DailyUsage(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] string Model,
    [property: Id(2)] long Calls,
    [property: Id(3)] TokenUsage Tokens,
    [property: Id(4)] Usd Cost);

/// <summary>An API key as its account lists it (never the plain key).</summary>
[GenerateSerializer, Immutable, Alias("Relay.AccountKey")]
public sealed record AccountKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt);
