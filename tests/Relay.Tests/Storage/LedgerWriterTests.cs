using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Relay.Accounts;
using Relay.Ledger;
using Relay.Money;

namespace Relay.Tests.Storage;

/// <summary>The silo's group commit across accounts, against the real ledger tables.</summary>
public sealed class LedgerWriterTests : IAsyncLifetime
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(TestServices.Postgres);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_duplicate_entry_in_a_shared_transaction_fails_only_its_own_accounts_batch()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var store = new LedgerStore(_db);
        var writer = new LedgerWriter(store, new AccountMetrics(meters));
        var repeater = $"writer-{_run}-repeater";
        await store.CommitAsync(repeater, Credit(sequence: 1, "top-up"));

        // Forty accounts commit at once: the first few take the free transactions, the rest queue and go out
        // together, the repeater's batch (whose entry id is booked already) among them.
        var commits = new List<(string Account, Task Commit)>();
        for (var i = 0; i < 40; i++)
        {
            if (i == 20)
            {
                commits.Add((repeater, writer.CommitAsync(repeater, Credit(sequence: 2, "top-up"))));
            }
            var account = $"writer-{_run}-{i}";
            commits.Add((account, writer.CommitAsync(account, Credit(sequence: 1, "top-up"))));
        }
        var failures = await Task.WhenAll(commits.Select(c => Record.ExceptionAsync(() => c.Commit)));

        Assert.IsType<DuplicateEntryException>(failures[20]);
        Assert.All(failures.Where((_, i) => i != 20), Assert.Null);
        foreach (var (account, _) in commits.Where(c => c.Account != repeater))
        {
            Assert.Equal((1, Usd.FromDecimal(1m)), await store.HeadAsync(account));
        }
        Assert.Equal((1, Usd.FromDecimal(1m)), await store.HeadAsync(repeater));
    }

    private static JournalBatch Credit(long sequence, string entryId) => new(
        [], [], [],
        [new LedgerEntry(sequence, entryId, LedgerEntryKind.TopUp, Usd.FromDecimal(1m), Usd.FromDecimal(sequence), DateTimeOffset.UtcNow, "test", null)]);
}
