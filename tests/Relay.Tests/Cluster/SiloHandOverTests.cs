using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Support;
using Xunit.Abstractions;

namespace Relay.Tests.Cluster;

/// <summary>Two silo processes; one is stopped gracefully (SIGTERM) while calls keep being admitted and settled.</summary>
public sealed class SiloHandOverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Accounts = 6;
    private const int CallsBeforeTheStop = 10;
    private const int CallsAfterTheStop = 10;

    private static readonly Usd s_credit = Usd.FromDecimal(10m);
    private static readonly Usd s_charge = Usd.FromCents(1);

    private ProcessCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await _cluster!.DisposeAsync();

    [Fact]
    public async Task A_silo_stopped_gracefully_hands_its_accounts_over_and_every_acknowledged_charge_is_booked_exactly_once()
    {
        var cluster = _cluster!;
        var accounts = Enumerable.Range(0, Accounts).Select(_ => cluster.Client.GetGrain<IAccountGrain>(TestServices.NewAccountId())).ToList();
        foreach (var account in accounts)
        {
            await account.OpenAsync($"{account.GetPrimaryKeyString()}@example.com");
            await account.PostAsync(new LedgerPosting("credit", LedgerEntryKind.TopUp, s_credit, ""));
        }
        // The silo to stop hosts at least the first account.
        var victim = await cluster.HostOfAsync(accounts[0]);

        var calls = accounts.ToDictionary(account => account.GetPrimaryKeyString(), _ => new Calls());
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calling = accounts.Select(account => Task.Run(() => CallAsync(account, calls[account.GetPrimaryKeyString()], stopped.Task))).ToList();

        // The calls keep coming from before the stop until after the silo has exited.
        await Task.WhenAll(calls.Values.Select(c => c.WarmedUp.Task)).WaitAsync(TimeSpan.FromSeconds(120));
        await victim.TerminateAsync(TimeSpan.FromSeconds(60));
        stopped.SetResult();
        await Task.WhenAll(calling).WaitAsync(TimeSpan.FromSeconds(300));
        output.WriteLine(
            $"calls {calls.Values.Sum(c => c.Made)}, acknowledged {calls.Values.Sum(c => c.Acknowledged.Count)}, " +
            $"released after a lost admission {calls.Values.Sum(c => c.Released.Count)}, failed attempts {calls.Values.Sum(c => c.FailedAttempts)}");

        Assert.Equal(0, victim.ExitCode);
        foreach (var account in accounts)
        {
            var id = account.GetPrimaryKeyString();
            var booked = calls[id].Acknowledged;
            var ledger = await account.GetLedgerAsync(null, 1000);
            var view = await account.GetAsync();
            var charges = ledger.Where(e => e.Kind != LedgerEntryKind.TopUp).ToList();
            // Every acknowledged settlement once, nothing else: no expiry, no charge for a call released after its
            // admission's answer was lost, no second charge for a settlement retried after a failure.
            Assert.Equal(booked.Select(callId => "call:" + callId).Order(StringComparer.Ordinal), charges.Select(e => e.EntryId).Order(StringComparer.Ordinal));
            Assert.All(charges, e => Assert.Equal(LedgerEntryKind.UsageCharge, e.Kind));
            Assert.Equal(calls[id].Made, booked.Count + calls[id].Released.Count);
            Assert.Equal(s_credit - Usd.FromCents(booked.Count), view.Balance); // one cent a call
            Assert.Equal(view.Balance, ledger.Aggregate(Usd.Zero, (sum, e) => sum + e.Delta));
            Assert.Equal(Usd.Zero, view.Reserved);
            Assert.Equal(0, view.OpenReservations);
        }
    }

    /// <summary>
    /// One account's calls, one after another, as an edge makes them: admit, then settle until acknowledged
    /// (settling is idempotent). An admission whose answer is lost is released, as the edge releases it, and
    /// counts as a call the client saw fail.
    /// </summary>
    private static async Task CallAsync(IAccountGrain account, Calls calls, Task stopped)
    {
        var id = account.GetPrimaryKeyString();
        var usage = new UsageRecord("claude-sonnet-4-6", "sim", new TokenUsage(1000, 12), s_charge, Estimated: false);
        var afterTheStop = 0;
        for (var i = 0; !stopped.IsCompleted || afterTheStop++ < CallsAfterTheStop; i++)
        {
            if (i == CallsBeforeTheStop)
            {
                calls.WarmedUp.TrySetResult();
            }
            var callId = $"{id}-{i}";
            calls.Made++;
            Admission admission;
            try
            {
                admission = await account.AdmitAsync(new AdmissionRequest(callId, "laptop", s_charge));
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                calls.FailedAttempts++;
                var release = await UntilAnsweredAsync(calls, () =>
                    account.SettleAsync(new Settlement(callId, usage with { Tokens = TokenUsage.None, Cost = Usd.Zero })));
                Assert.Equal(PostingOutcome.Released, release.Outcome);
                calls.Released.Add(callId);
                continue;
            }
            Assert.Equal(AdmissionOutcome.Admitted, admission.Outcome);
            var settled = await UntilAnsweredAsync(calls, () => account.SettleAsync(new Settlement(callId, usage)));
            Assert.True(settled.Outcome is PostingOutcome.Booked or PostingOutcome.AlreadyBooked, settled.Outcome.ToString());
            calls.Acknowledged.Add(callId);
        }
    }

    private static Task<T> UntilAnsweredAsync<T>(Calls calls, Func<Task<T>> call) => ProcessCluster.UntilAnsweredAsync(async () =>
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            calls.FailedAttempts++;
            throw;
        }
    });

    /// <summary>What one account's caller saw (one caller per account, so no two threads write at once).</summary>
    private sealed class Calls
    {
        public TaskCompletionSource WarmedUp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Acknowledged { get; } = [];

        public List<string> Released { get; } = [];

        public int Made { get; set; }

        public int FailedAttempts { get; set; }
    }
}
