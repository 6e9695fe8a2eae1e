using System.Globalization;
using Relay.Chaos.Audit;
using Relay.Chaos.Faults;
using Relay.Chaos.Load;

namespace Relay.Chaos;

/// <summary>The summary a person reads after the run: the faults, the calls, the money per account, the checks.</summary>
internal static class ChaosReport
{
    private const int DifferencesShown = 15;

    public static void Print(ChaosOptions options, FaultSchedule faults, Evidence evidence, MoneyAudit audit, IReadOnlyList<Check> checks, int creditsRetried, TimeSpan loadTook)
    {
        var w = Console.Out;
        var calls = evidence.Calls;
        w.WriteLine();
        w.WriteLine($"== Relay chaos run {options.RunId} (seed {options.Seed}) ==");
        w.WriteLine();
        w.WriteLine("Faults                                  at call   took    exit");
        foreach (var fault in faults.Faults)
        {
            var took = fault.ExitCode is null ? "-" : fault.Took.TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture);
            w.WriteLine($"  {fault.Command,-36} {fault.Trigger,7}   {took,6}  {fault.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "never ran"}");
        }

        w.WriteLine();
        w.WriteLine($"Calls ({calls.Count} in {loadTook.TotalSeconds:0}s by {options.Clients} clients)");
        Row("complete (terminal event seen)", calls.Count(c => c.Outcome == ClientOutcome.Complete));
        foreach (var group in calls.Where(c => c.Outcome == ClientOutcome.Refused).GroupBy(c => c.Status).OrderBy(g => g.Key))
        {
            Row($"refused with {group.Key}", group.Count());
        }
        Row("cut mid-answer", audit.Cut.Count);
        Row("no answer (connection broke before a status)", calls.Count(c => c.Outcome == ClientOutcome.NoAnswer));
        Row("connections refused, retried on another edge", calls.Sum(c => c.RefusedConnections));
        foreach (var group in calls.GroupBy(c => c.Plan.Protocol).OrderBy(g => g.Key))
        {
            Row($"  {group.Key}: complete / all", $"{group.Count(c => c.Outcome == ClientOutcome.Complete)} / {group.Count()}");
        }

        Row("complete, but the edge died before settling (charged by expiry)", audit.ExpiredAfterEdgeKill);
        w.WriteLine();
        w.WriteLine("Cut answers (edge killed or stream broken): what they cost");
        Row("settled at exact usage", audit.Cut.SettledExact);
        Row("settled at estimated usage", audit.Cut.SettledEstimated);
        Row("expired at their reservation", audit.Cut.Expired);
        Row("not charged (reservation open, or lost with its silo)", audit.Cut.Uncharged);
        Row("charged in total", MoneyAudit.Dollars(audit.Cut.ChargedNanos));
        Row("their reservations in total", MoneyAudit.Dollars(audit.Cut.ReservedNanos));

        w.WriteLine();
        w.WriteLine("Accounts     ledger rows   credits USD        charges USD        balance (ledger)   balance (admin)    reserved (admin)");
        long totalCredits = 0, totalCharges = 0, totalBalance = 0;
        foreach (var tenant in evidence.Tenants)
        {
            var rows = evidence.Ledger[tenant.AccountId];
            var credits = rows.Where(r => r.DeltaNanos > 0).Sum(r => r.DeltaNanos);
            var charges = -rows.Where(r => r.DeltaNanos < 0).Sum(r => r.DeltaNanos);
            var balance = rows.Sum(r => r.DeltaNanos);
            var admin = evidence.Admin[tenant.AccountId];
            totalCredits += credits;
            totalCharges += charges;
            totalBalance += balance;
            var name = tenant.Poor ? $"#{tenant.Index} poor" : $"#{tenant.Index}";
            w.WriteLine($"  {name,-10} {rows.Count,11}   {Usd(credits),-18} {Usd(charges),-18} {Usd(balance),-18} {Usd(admin.BalanceNanos),-18} {Usd(admin.ReservedNanos)} ({admin.OpenReservations})");
        }
        w.WriteLine($"  {"total",-10} {evidence.Ledger.Values.Sum(r => r.Count),11}   {Usd(totalCredits),-18} {Usd(totalCharges),-18} {Usd(totalBalance),-18}");
        w.WriteLine($"  credits posted {evidence.Credits.Count}, acknowledged {evidence.Credits.Count(c => c.Acknowledged)}, posted again after a failure {creditsRetried}");

        w.WriteLine();
        w.WriteLine("Checks");
        foreach (var check in checks)
        {
            w.WriteLine($"  {(check.Passed ? "PASS" : "FAIL")}  {check.Claim,-66} {check.Counted}");
            foreach (var difference in check.Differences.Take(DifferencesShown))
            {
                w.WriteLine($"          - {difference}");
            }
            if (check.Differences.Count > DifferencesShown)
            {
                w.WriteLine($"          ... and {check.Differences.Count - DifferencesShown} more");
            }
        }
        w.WriteLine();
        w.WriteLine(checks.All(c => c.Passed) ? "RESULT: PASS (money exact through every fault)" : "RESULT: FAIL");

        void Row(string label, object value) => w.WriteLine($"  {label,-54} {value}");
    }

    private static string Usd(long nanos) => new Money.Usd(nanos).ToString();
}
