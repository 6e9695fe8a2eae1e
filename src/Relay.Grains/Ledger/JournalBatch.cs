using Relay.Accounts;
using Relay.Money;

namespace Relay.Ledger;

/// <summary>What one account commits at once: reservations opened, started and closed, and ledger entries.</summary>
/// <param name="Started">Reserved calls whose upstream has answered.</param>
public sealed record JournalBatch(
    IReadOnlyList<StoredReservation> Opened,
    IReadOnlyList<string> Started,
    IReadOnlyList<string> Closed,
    IReadOnlyList<LedgerEntry> Entries);

/// <summary>A call admitted and not yet settled, as the reservations table holds it.</summary>
public sealed record StoredReservation(string CallId, Usd Amount, string Device, DateTimeOffset OpenedAt, bool Started = false);

/// <summary>A batch named an entry id its account has already booked; nothing of the batch was written.</summary>
internal sealed class DuplicateEntryException(Exception inner)
    : Exception("A batch repeats an entry id already booked.", inner);
