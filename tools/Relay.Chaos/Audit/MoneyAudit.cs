using System.Globalization;
using Relay.Chaos.Faults;
using Relay.Chaos.Load;
using Relay.Chaos.Setup;
using Relay.Money;

namespace Relay.Chaos.Audit;

/// <summary>Everything the run saw, side by side: the clients, the simulator, the ledger and the admin API.</summary>
internal sealed record Evidence(
    IReadOnlyList<Tenant> Tenants,
    IReadOnlyCollection<ClientCall> Calls,
    IReadOnlyCollection<CreditRecord> Credits,
    IReadOnlyDictionary<string, ServedCall> Served,
    IReadOnlyDictionary<string, List<LedgerRow>> Ledger,
    IReadOnlyDictionary<string, AccountFigures> Admin,
    IReadOnlyDictionary<string, IReadOnlyList<UsageLine>> AdminUsage,
    IReadOnlyList<EdgeOutage> EdgeOutages);

/// <summary>How the calls cut by a fault ended up in the ledger.</summary>
internal sealed record CutCalls(int Count, int SettledExact, int SettledEstimated, int Expired, int Uncharged, long ChargedNanos, long ReservedNanos);

/// <summary>
/// Holds the ledger to what the clients and the simulator saw. Each claim of the chaos run is one <see cref="Check"/>;
/// a single difference anywhere fails the run.
/// </summary>
internal sealed class MoneyAudit(Evidence evidence, PriceList prices)
{
    private readonly Dictionary<string, LedgerRow> _callRows = [];
    private readonly Dictionary<string, ClientCall> _callsById = [];
    private readonly List<string> _duplicateCallRows = [];

    /// <summary>How long before its edge's kill a complete call may still have had its settlement pending: a grain call
    /// to a dead silo waits out Orleans' 30 s response timeout, then the edge retries.</summary>
    private static readonly TimeSpan s_settlementWindow = TimeSpan.FromSeconds(60);

    public CutCalls Cut { get; private set; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Complete calls whose edge was killed before it settled them, charged at their reservation when it expired.</summary>
    public int ExpiredAfterEdgeKill { get; private set; }

    public IReadOnlyList<Check> Run()
    {
        foreach (var row in evidence.Ledger.Values.SelectMany(r => r).Where(r => r.CallId is not null))
        {
            if (!_callRows.TryAdd(row.CallId!, row))
            {
                _duplicateCallRows.Add($"call {row.CallId} has entries in {_callRows[row.CallId!].AccountId} seq {_callRows[row.CallId!].Seq} and {row.AccountId} seq {row.Seq}");
            }
        }
        foreach (var call in evidence.Calls.Where(c => c.CallId is not null))
        {
            _callsById[call.CallId!] = call;
        }
        return [CompleteCallsChargedExactly(), NothingChargedTwice(), BalancesAddUp(), CreditsKept(), RefusalsAndCuts()];
    }

    /// <summary>1. Every complete answer is charged once, at the simulator's usage for its upstream id.</summary>
    private Check CompleteCallsChargedExactly()
    {
        var check = new Check("1 complete answers charged once, at the simulator's usage");
        var complete = evidence.Calls.Where(c => c.Outcome == ClientOutcome.Complete).ToList();
        long expectedTotal = 0;
        foreach (var call in complete)
        {
            var what = $"call #{call.Number} {call.CallId} ({call.Plan.Model})";
            if (call.CallId is null || call.UpstreamId is null)
            {
                check.Differ($"{what}: the client saw no call id or upstream id");
                continue;
            }
            _callRows.TryGetValue(call.CallId, out var row);
            if (row?.Kind != LedgerRow.UsageCharge && EdgeKilledBeforeSettling(call) is { } outage)
            {
                // The edge died holding the settlement: the design charges the call once, at its reservation, when that expires.
                var reservation = ReservationOf(call).Nanos;
                if (row is null)
                {
                    check.Differ($"{what}: answered in full, its edge {outage.Edge + 1} was killed before settling it, and no expiry charged it: the charge is lost");
                }
                else if (row.Kind != LedgerRow.ReservationExpiry || -row.DeltaNanos != reservation)
                {
                    check.Differ($"{what}: its edge died before settling it; booked as kind {row.Kind}, {row.DeltaNanos} n$, not the expiry of its {reservation} n$ reservation");
                }
                else
                {
                    ExpiredAfterEdgeKill++;
                }
                continue;
            }
            if (row is null)
            {
                check.Differ($"{what}: answered in full but not charged");
                continue;
            }
            if (row.AccountId != evidence.Tenants[call.Account].AccountId)
            {
                check.Differ($"{what}: charged to {row.AccountId}, not the caller's account");
            }
            if (row.Kind != LedgerRow.UsageCharge || row.Estimated != false)
            {
                check.Differ($"{what}: booked as kind {row.Kind}, estimated {row.Estimated}, not as an exact usage charge");
                continue;
            }
            if (row.UpstreamId != call.UpstreamId)
            {
                check.Differ($"{what}: the ledger says upstream {row.UpstreamId}, the client saw {call.UpstreamId}");
            }
            if (!evidence.Served.TryGetValue(call.UpstreamId, out var served))
            {
                check.Differ($"{what}: the simulator never served {call.UpstreamId}");
                continue;
            }
            if (!served.Completed)
            {
                check.Differ($"{what}: the simulator did not finish {call.UpstreamId}, yet the client saw the end");
            }
            var expected = prices.Charge(call.Plan.Model, served.Usage.Tokens);
            expectedTotal += expected.Nanos;
            if (row.Model != call.Plan.Model || row.Tokens != served.Usage.Tokens)
            {
                check.Differ($"{what}: ledger {row.Model} {row.Tokens}, simulator {served.Model} {served.Usage.Tokens}");
            }
            if (row.CostNanos != expected.Nanos || row.DeltaNanos != -expected.Nanos)
            {
                check.Differ($"{what}: charged {row.DeltaNanos} n$ (cost {row.CostNanos}), the simulator's usage prices at {-expected.Nanos} n$");
            }
        }
        check.Counted = $"{complete.Count} complete: {complete.Count - check.Differences.Count - ExpiredAfterEdgeKill} exact, {ExpiredAfterEdgeKill} at reservation (edge killed before settling); usage {Dollars(expectedTotal)}";
        return check;
    }

    /// <summary>2. No call id and no upstream id is charged twice; every charge is a call the simulator served.</summary>
    private Check NothingChargedTwice()
    {
        var check = new Check("2 no call or upstream id charged twice; every charge was served");
        foreach (var duplicate in _duplicateCallRows)
        {
            check.Differ(duplicate);
        }
        var charges = _callRows.Values.Where(r => r.Kind == LedgerRow.UsageCharge).ToList();
        foreach (var group in charges.Where(r => r.UpstreamId is not null).GroupBy(r => r.UpstreamId!).Where(g => g.Count() > 1))
        {
            check.Differ($"upstream {group.Key} charged {group.Count()} times: {string.Join(", ", group.Select(r => r.EntryId))}");
        }
        var exact = 0;
        foreach (var row in charges)
        {
            var what = $"{row.AccountId} seq {row.Seq} {row.EntryId}";
            if (!_callsById.ContainsKey(row.CallId!))
            {
                check.Differ($"{what}: charges a call no client made");
            }
            if (row.UpstreamId is null || !evidence.Served.TryGetValue(row.UpstreamId, out var served))
            {
                check.Differ($"{what}: upstream {row.UpstreamId ?? "(none)"} was not served by the simulator");
                continue;
            }
            if (row.Tokens is not { } tokens || row.Model is null || row.CostNanos is not { } cost)
            {
                check.Differ($"{what}: a usage charge without its usage");
                continue;
            }
            // Every charge is its own tokens at the catalog price; an exact one is the simulator's tokens too.
            if (cost != prices.Charge(row.Model, tokens).Nanos || row.DeltaNanos != -cost)
            {
                check.Differ($"{what}: cost {cost} n$, delta {row.DeltaNanos} n$, but its tokens price at {prices.Charge(row.Model, tokens).Nanos} n$");
            }
            if (row.Estimated == false)
            {
                exact++;
                if (tokens != served.Usage.Tokens)
                {
                    check.Differ($"{what}: exact charge for {tokens}, the simulator served {served.Usage.Tokens}");
                }
            }
        }
        var expiries = _callRows.Values.Count(r => r.Kind == LedgerRow.ReservationExpiry);
        foreach (var row in _callRows.Values.Where(r => r.Kind == LedgerRow.ReservationExpiry && !_callsById.ContainsKey(r.CallId!)))
        {
            check.Differ($"{row.AccountId} seq {row.Seq}: an expiry for a call no client made");
        }
        check.Counted = $"{charges.Count} usage charges ({exact} exact, {charges.Count - exact} estimated), {expiries} expiries, {evidence.Served.Count} served";
        return check;
    }

    /// <summary>3. Each balance is the sum of its ledger, each row's balance the running sum, and the admin API agrees.</summary>
    private Check BalancesAddUp()
    {
        var check = new Check("3 balances = sum of ledger = running sums = admin API");
        long rows = 0;
        var usageLines = 0;
        foreach (var tenant in evidence.Tenants)
        {
            var ledger = evidence.Ledger[tenant.AccountId];
            long running = 0;
            for (var i = 0; i < ledger.Count; i++)
            {
                var row = ledger[i];
                running += row.DeltaNanos;
                if (row.Seq != i + 1)
                {
                    check.Differ($"{tenant.AccountId}: row {i + 1} has seq {row.Seq}");
                }
                if (row.BalanceAfterNanos != running)
                {
                    check.Differ($"{tenant.AccountId} seq {row.Seq}: balance_after {row.BalanceAfterNanos} n$, running sum {running} n$");
                }
            }
            rows += ledger.Count;
            var admin = evidence.Admin[tenant.AccountId];
            if (admin.BalanceNanos != running)
            {
                check.Differ($"{tenant.AccountId}: admin API says {admin.BalanceNanos} n$, ledger sums to {running} n$");
            }
            // The usage page lists exactly the usage charges, each with the ledger's tokens and cost.
            var listed = evidence.AdminUsage[tenant.AccountId].ToDictionary(u => u.EntryId, StringComparer.Ordinal);
            var charges = ledger.Where(r => r.Kind == LedgerRow.UsageCharge).ToList();
            usageLines += listed.Count;
            if (listed.Count != charges.Count)
            {
                check.Differ($"{tenant.AccountId}: admin usage lists {listed.Count} calls, the ledger has {charges.Count} usage charges");
            }
            foreach (var row in charges)
            {
                if (!listed.TryGetValue(row.EntryId, out var line))
                {
                    check.Differ($"{tenant.AccountId}: {row.EntryId} is not on the admin usage page");
                }
                else if (line.CostNanos != row.CostNanos || line.Tokens != row.Tokens || line.Model != row.Model || line.Estimated != row.Estimated)
                {
                    check.Differ($"{tenant.AccountId}: {row.EntryId} admin usage {line}, ledger {row.Model} {row.Tokens} cost {row.CostNanos} estimated {row.Estimated}");
                }
            }
        }
        check.Counted = $"{evidence.Tenants.Count} accounts, {rows} ledger rows, {usageLines} admin usage lines";
        return check;
    }

    /// <summary>4. Every credit the admin API acknowledged is in the ledger once, at its amount.</summary>
    private Check CreditsKept()
    {
        var check = new Check("4 every acknowledged credit booked once");
        var acknowledged = 0;
        var unacknowledgedBooked = 0;
        foreach (var credit in evidence.Credits)
        {
            var entries = evidence.Ledger[credit.AccountId].Where(r => r.EntryId == "admin:" + credit.Id).ToList();
            if (!credit.Acknowledged)
            {
                unacknowledgedBooked += entries.Count;
                if (entries.Count > 1)
                {
                    check.Differ($"credit {credit.Id} (never acknowledged) booked {entries.Count} times");
                }
                continue;
            }
            acknowledged++;
            if (entries.Count != 1)
            {
                check.Differ($"credit {credit.Id} acknowledged but booked {entries.Count} times");
            }
            else if (entries[0].Kind != LedgerRow.AdminAdjustment || entries[0].DeltaNanos != credit.AmountNanos)
            {
                check.Differ($"credit {credit.Id} of {credit.AmountNanos} n$ booked as kind {entries[0].Kind}, {entries[0].DeltaNanos} n$");
            }
        }
        check.Counted = $"{acknowledged} acknowledged of {evidence.Credits.Count}; {evidence.Credits.Count - acknowledged} never acknowledged ({unacknowledgedBooked} of them booked)";
        return check;
    }

    /// <summary>5. Refusals moved no money; cut answers are charged at most once and never above their reservation.</summary>
    private Check RefusalsAndCuts()
    {
        var check = new Check("5 refusals free; cut answers charged at most once, within reservation");
        var refused = evidence.Calls.Where(c => c.Outcome == ClientOutcome.Refused).ToList();
        foreach (var call in refused.Where(c => c.CallId is not null && _callRows.ContainsKey(c.CallId)))
        {
            var row = _callRows[call.CallId!];
            check.Differ($"call #{call.Number} {call.CallId} was refused ({call.Status}) yet {row.AccountId} seq {row.Seq} charged {row.DeltaNanos} n$");
        }
        var cut = evidence.Calls.Where(c => c.Outcome == ClientOutcome.Cut).ToList();
        int exact = 0, estimated = 0, expired = 0, uncharged = 0;
        long charged = 0, reserved = 0;
        foreach (var call in cut)
        {
            var reservation = ReservationOf(call);
            reserved += reservation.Nanos;
            if (call.CallId is null || !_callRows.TryGetValue(call.CallId, out var row))
            {
                uncharged++;
                continue;
            }
            charged -= row.DeltaNanos;
            if (row.Kind == LedgerRow.ReservationExpiry)
            {
                expired++;
                if (-row.DeltaNanos != reservation.Nanos)
                {
                    check.Differ($"cut call #{call.Number} {call.CallId}: expired at {-row.DeltaNanos} n$, its reservation was {reservation.Nanos} n$");
                }
            }
            else if (row.Estimated == true)
            {
                estimated++;
            }
            else
            {
                exact++;
            }
            if (-row.DeltaNanos > reservation.Nanos)
            {
                check.Differ($"cut call #{call.Number} {call.CallId}: charged {-row.DeltaNanos} n$, above its reservation of {reservation.Nanos} n$");
            }
        }
        Cut = new CutCalls(cut.Count, exact, estimated, expired, uncharged, charged, reserved);
        var statuses = string.Join(", ", refused.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()}x{g.Key}"));
        check.Counted = $"{refused.Count} refused ({statuses}); {cut.Count} cut: {exact} exact, {estimated} estimated, {expired} expired, {uncharged} uncharged";
        return check;
    }

    /// <summary>What the edge reserved at admission: body bytes / 4 as input and the requested maximum as output, at the model's price.</summary>
    private Usd ReservationOf(ClientCall call) =>
        prices.Charge(call.Plan.Model, new Tokens(call.Plan.ReservedInputTokens, call.Plan.MaxOutputTokens, 0, 0, 0, 0));

    private EdgeOutage? EdgeKilledBeforeSettling(ClientCall call) => evidence.EdgeOutages.FirstOrDefault(o =>
        o.Edge == call.Edge && call.FinishedAt <= o.KilledBy && call.FinishedAt >= o.KillFrom - s_settlementWindow);

    public static string Dollars(long nanos) => new Usd(nanos).ToString() + " USD";

    public static string Nanos(long nanos) => nanos.ToString("N0", CultureInfo.InvariantCulture);
}
