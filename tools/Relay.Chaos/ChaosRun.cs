using Npgsql;
using Relay.Chaos.Audit;
using Relay.Chaos.Faults;
using Relay.Chaos.Load;
using Relay.Chaos.Setup;

namespace Relay.Chaos;

/// <summary>The run from start to verdict: accounts, load under faults, drain, audit, report.</summary>
internal static class ChaosRun
{
    private const decimal RichCreditUsd = 5m;

    /// <summary>Enough for a handful of Opus calls, so that the poor account's later calls are refused.</summary>
    private const decimal PoorCreditUsd = 0.004m;

    public static async Task<int> ExecuteAsync(ChaosOptions options)
    {
        using var http = Connections.CreateClient();
        var admin = new AdminClient(http, options.AdminEdges, options.AdminToken);
        var prices = PriceList.Load(options.PricesFile);
        var faults = FaultSchedule.Parse(options.Faults, options.MaxCalls);
        await using var db = NpgsqlDataSource.Create(options.Postgres);
        var ledger = new LedgerRows(db);
        var credits = new CreditFeeder(admin, options.RunId, Log);

        Log($"run {options.RunId}: {options.Accounts}+1 accounts, {options.Clients} clients, at most {options.MaxCalls} calls in {options.MaxDuration.TotalSeconds:0}s over {options.Edges.Count} edges");
        var tenants = await OpenAccountsAsync(admin, credits, options);

        // The load, the faults and the top-ups run together; the faults stop waiting when the load is over.
        using var stopStarting = new CancellationTokenSource(options.MaxDuration);
        using var loadOver = new CancellationTokenSource();
        var load = new LoadRunner(new StreamClient(http, options.Edges), new CallMix(options.Seed), faults, tenants, options.Edges.Count, Log);
        var steps = new Dictionary<string, Func<Task<bool>>>(StringComparer.Ordinal)
        {
            ["await-settlements"] = () => AwaitSettlementsAsync(ledger, tenants, load.Calls, TimeSpan.FromSeconds(120)),
        };
        var faulting = faults.RunAsync(options.Control, steps, Log, loadOver.Token);
        var feeding = credits.FeedAsync(tenants.Where(t => !t.Poor).ToList(), TimeSpan.FromMilliseconds(400), loadOver.Token);
        var loadStarted = RunClock.Now;
        await load.RunAsync(options.Clients, options.MaxCalls, stopStarting.Token, CancellationToken.None);
        var loadTook = RunClock.Now - loadStarted;
        Log($"load over: {load.Calls.Count} calls in {loadTook.TotalSeconds:0}s");
        await loadOver.CancelAsync();
        await feeding;
        await faulting;
        // A fault that was running when the load ended (a restart) is let finish: the audit needs every edge up.
        await Task.WhenAll(faults.Faults.Where(f => f.StartedAt is not null).Select(f => f.Done));

        await credits.RetryUnacknowledgedAsync(CancellationToken.None);
        await DrainAsync(admin, ledger, tenants, load.Calls, options.Drain);

        var evidence = await GatherAsync(http, admin, ledger, tenants, load.Calls, credits.Credits, options.Simulator, faults.EdgeOutages());
        var audit = new MoneyAudit(evidence, prices);
        var checks = audit.Run().ToList();
        var faultCheck = new Check("0 every scheduled fault happened, and succeeded");
        foreach (var fault in faults.Faults.Where(f => f.ExitCode != 0))
        {
            faultCheck.Differ(fault.ExitCode is null
                ? $"'{fault.Command}' (at call {fault.Trigger}) never ran: the run ended first"
                : $"'{fault.Command}' exited {fault.ExitCode}");
        }
        faultCheck.Counted = $"{faults.Faults.Count(f => f.ExitCode == 0)} of {faults.Faults.Count}";
        checks.Insert(0, faultCheck);

        ChaosReport.Print(options, faults, evidence, audit, checks, credits.Retried, loadTook);
        return checks.All(c => c.Passed) ? 0 : 1;
    }

    private static async Task<List<Tenant>> OpenAccountsAsync(AdminClient admin, CreditFeeder credits, ChaosOptions options)
    {
        var tenants = new List<Tenant>();
        for (var i = 0; i <= options.Accounts; i++)
        {
            var poor = i == options.Accounts;
            var accountId = await admin.OpenAccountAsync($"chaos-{options.RunId}-{i}@chaos.test", CancellationToken.None);
            var credit = await credits.PostAsync(accountId, poor ? PoorCreditUsd : RichCreditUsd, $"opening-{i}", attempts: 5, CancellationToken.None);
            if (!credit.Acknowledged)
            {
                throw new InvalidOperationException($"The opening credit of {accountId} was not acknowledged: {credit.Detail}");
            }
            tenants.Add(new Tenant(i, accountId, await admin.CreateKeyAsync(accountId, CancellationToken.None), poor));
        }
        Log($"{tenants.Count} accounts open: {options.Accounts} with {RichCreditUsd} USD, 1 with {PoorCreditUsd} USD");
        return tenants;
    }

    /// <summary>Waits until every call answered in full so far is in the ledger: no settlement is left pending anywhere.</summary>
    private static async Task<bool> AwaitSettlementsAsync(LedgerRows ledger, IReadOnlyList<Tenant> tenants, IReadOnlyCollection<ClientCall> calls, TimeSpan limit)
    {
        var complete = CompleteEntries(calls);
        var accounts = tenants.Select(t => t.AccountId).ToList();
        var deadline = RunClock.Now + limit;
        while (true)
        {
            var missing = await MissingAsync(ledger, accounts, complete);
            if (missing == 0)
            {
                Log($"all {complete.Count} complete calls so far are in the ledger");
                return true;
            }
            if (RunClock.Now >= deadline)
            {
                Log($"{missing} of {complete.Count} complete calls still not in the ledger after {limit.TotalSeconds:0}s");
                return false;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Settlements are posted after the answer, with retries (for up to two minutes while a silo is gone), and the
    /// reservations of calls whose edge died expire (Relay:Accounts:ReservationTimeout): wait until every complete
    /// call is in the ledger, no reservation is open and the ledger has stopped moving, for at most <paramref name="limit"/>.
    /// </summary>
    private static async Task DrainAsync(AdminClient admin, LedgerRows ledger, IReadOnlyList<Tenant> tenants, IReadOnlyCollection<ClientCall> calls, TimeSpan limit)
    {
        var complete = CompleteEntries(calls);
        var accounts = tenants.Select(t => t.AccountId).ToList();
        var deadline = RunClock.Now + limit;
        var lastCount = -1;
        var stableSince = RunClock.Now;
        while (true)
        {
            var rows = (await ledger.ReadAsync(accounts, CancellationToken.None)).Values.SelectMany(r => r).ToList();
            var missing = complete.Count - rows.Count(r => complete.Contains(r.EntryId));
            if (rows.Count != lastCount)
            {
                lastCount = rows.Count;
                stableSince = RunClock.Now;
            }
            var open = 0;
            foreach (var account in accounts)
            {
                open += (await admin.GetAccountAsync(account, CancellationToken.None)).OpenReservations;
            }
            if (missing == 0 && open == 0 && RunClock.Now - stableSince >= TimeSpan.FromSeconds(5))
            {
                Log($"ledger settled: {rows.Count} rows, every complete call charged, no reservation open");
                return;
            }
            if (RunClock.Now >= deadline)
            {
                Log($"drain limit reached: {missing} complete calls uncharged, {open} reservations open, {rows.Count} rows");
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static HashSet<string> CompleteEntries(IReadOnlyCollection<ClientCall> calls) =>
        calls.Where(c => c is { Outcome: ClientOutcome.Complete, CallId: not null }).Select(c => "call:" + c.CallId).ToHashSet(StringComparer.Ordinal);

    private static async Task<int> MissingAsync(LedgerRows ledger, IReadOnlyList<string> accounts, HashSet<string> entries)
    {
        var rows = await ledger.ReadAsync(accounts, CancellationToken.None);
        return entries.Count - rows.Values.SelectMany(r => r).Count(r => entries.Contains(r.EntryId));
    }

    /// <summary>Reads the ledger and the admin API until both describe the same moment (no row landed in between).</summary>
    private static async Task<Evidence> GatherAsync(
        HttpClient http, AdminClient admin, LedgerRows ledger, IReadOnlyList<Tenant> tenants, IReadOnlyCollection<ClientCall> calls,
        IReadOnlyCollection<CreditRecord> credits, Uri simulator, IReadOnlyList<EdgeOutage> outages)
    {
        var accounts = tenants.Select(t => t.AccountId).ToList();
        for (var attempt = 1; ; attempt++)
        {
            var before = await ledger.ReadAsync(accounts, CancellationToken.None);
            var figures = new Dictionary<string, AccountFigures>(StringComparer.Ordinal);
            var usage = new Dictionary<string, IReadOnlyList<UsageLine>>(StringComparer.Ordinal);
            foreach (var account in accounts)
            {
                figures[account] = await admin.GetAccountAsync(account, CancellationToken.None);
                usage[account] = await admin.GetUsageAsync(account, CancellationToken.None);
            }
            var after = await ledger.ReadAsync(accounts, CancellationToken.None);
            if (accounts.All(a => before[a].Count == after[a].Count) || attempt == 5)
            {
                var served = await ServedCalls.ReadAsync(http, simulator, CancellationToken.None);
                return new Evidence(tenants, calls, credits, served, after, figures, usage, outages);
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    public static void Log(string message) =>
        Console.WriteLine($"[chaos {RunClock.Now.TotalSeconds,6:0.0}s] {message}");
}
