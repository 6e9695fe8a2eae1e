using System.Diagnostics.Metrics;

namespace Relay.Accounts;

/// <summary>What operators watch on the money path, from the silo side (meter "Relay.Accounts").</summary>
public sealed class AccountMetrics
{
    public const string MeterName = "Relay.Accounts";

    private readonly Counter<long> _bookedNanos;
    private readonly Counter<long> _refusals;
    private readonly UpDownCounter<long> _openReservations;
    private readonly Histogram<int> _commitSize;
    private readonly Histogram<int> _accountsPerTransaction;

    public AccountMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _bookedNanos = meter.CreateCounter<long>("relay.ledger.booked", "nUSD", "Money booked in the ledger, by entry kind (absolute amounts).");
        _refusals = meter.CreateCounter<long>("relay.admission.refusals", "{call}", "Calls refused admission, by reason.");
        _openReservations = meter.CreateUpDownCounter<long>("relay.reservations.open", "{reservation}", "Reservations of calls in flight.");
        _commitSize = meter.CreateHistogram<int>("relay.ledger.commit.size", "{operation}",
            "Operations (entries booked, reservations opened or closed) committed together in one transaction of one account.");
        _accountsPerTransaction = meter.CreateHistogram<int>("relay.ledger.transaction.accounts", "{account}",
            "Accounts whose batches the silo committed together in one transaction.");
    }

    public void Booked(LedgerEntryKind kind, Money.Usd delta) =>
        _bookedNanos.Add(Math.Abs(delta.Nanos), new KeyValuePair<string, object?>("kind", kind.ToString()));

    public void Refused(AdmissionOutcome reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    public void ReservationOpened() => _openReservations.Add(1);

    public void ReservationClosed() => _openReservations.Add(-1);

    /// <summary>
    /// An activation ending with reservations still open: they leave this silo's count, and the next activation
    /// (here or on another silo) counts them again when it restores them. Call it from OnDeactivateAsync.
    /// </summary>
    public void ReservationsHandedOff(int open) => _openReservations.Add(-open);

    public void Committed(int operations) => _commitSize.Record(operations);

    public void CommittedTogether(int accounts) => _accountsPerTransaction.Record(accounts);
}
