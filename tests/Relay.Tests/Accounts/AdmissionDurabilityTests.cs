using Npgsql;
using Relay.Accounts;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Accounts;

/// <summary>
/// An admission is decided in memory and answered at once; its reservation commits while the edge calls upstream,
/// and the edge answers only once <see cref="IAccountCallsGrain.ConfirmReservationAsync"/> says it is durable. The
/// commit is held back here by a test transaction that holds the same reservation row uncommitted.
/// </summary>
[Collection(SharedSilo.Name)]
public sealed class AdmissionDurabilityTests(InProcessSilo silo)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_admission_is_answered_before_its_reservation_commits_and_confirmed_only_once_it_has()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(1m));
        await using var rowHeld = await HoldReservationRowAsync(account, "held");

        var admission = await account.AdmitAsync(new AdmissionRequest("held", "laptop", Usd.FromDecimal(0.25m))).WaitAsync(Patience);
        var confirmed = account.ConfirmReservationAsync("held");
        await WaitUntilBlockedAsync(rowHeld);

        Assert.Equal(AdmissionOutcome.Admitted, admission.Outcome);
        Assert.False(confirmed.IsCompleted);
        Assert.Equal(Usd.FromDecimal(0.25m), (await account.GetAsync()).Reserved);

        await rowHeld.Transaction.RollbackAsync();
        Assert.True(await confirmed.WaitAsync(Patience));
        Assert.Equal(1, await ReservationRowsAsync(account));
    }

    [Fact]
    public async Task A_reservation_whose_commit_fails_is_not_confirmed_and_reserves_nothing()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(1m));
        await using var rowHeld = await HoldReservationRowAsync(account, "doomed");
        await account.AdmitAsync(new AdmissionRequest("doomed", "laptop", Usd.FromDecimal(0.25m))).WaitAsync(Patience);
        var confirmed = account.ConfirmReservationAsync("doomed");
        var blocked = await WaitUntilBlockedAsync(rowHeld);

        // The silo's connection breaks in the middle of the commit: its outcome is unknown to the grain.
        await using (var terminate = rowHeld.Connection.CreateCommand())
        {
            terminate.CommandText = "select pg_terminate_backend($1)";
            terminate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = blocked });
            await terminate.ExecuteScalarAsync();
        }

        Assert.False(await confirmed.WaitAsync(Patience));
        var view = await account.GetAsync();
        Assert.Equal(Usd.Zero, view.Reserved);
        Assert.Equal(0, view.OpenReservations);
        // The edge releases the call it did not answer: nothing is charged, and a stored row (had the commit gone
        // through after all) is deleted.
        await rowHeld.Transaction.RollbackAsync();
        Assert.Equal(PostingOutcome.Released, (await account.SettleAsync(new Settlement("doomed", Free()))).Outcome);
        Assert.Equal(0, await ReservationRowsAsync(account));
        Assert.Equal(Usd.FromDecimal(1m), (await account.GetAsync()).Balance);
    }

    [Fact]
    public async Task A_call_never_admitted_or_already_settled_is_not_confirmed()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(1m));
        Assert.False(await account.ConfirmReservationAsync("never-admitted"));

        await account.AdmitAsync(new AdmissionRequest("done", "laptop", Usd.FromDecimal(0.1m)));
        Assert.True(await account.ConfirmReservationAsync("done"));
        await account.SettleAsync(new Settlement("done", Free()));

        Assert.False(await account.ConfirmReservationAsync("done"));
    }

    [Fact]
    public async Task A_started_mark_rides_along_with_the_accounts_next_commit()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(1m));
        await account.AdmitAsync(new AdmissionRequest("first", "laptop", Usd.FromDecimal(0.1m)));
        Assert.True(await account.ConfirmReservationAsync("first"));
        await account.MarkStartedAsync("first");
        Assert.False(await StartedAsync(account, "first"));

        await account.AdmitAsync(new AdmissionRequest("second", "laptop", Usd.FromDecimal(0.1m)));
        Assert.True(await account.ConfirmReservationAsync("second"));

        Assert.True(await StartedAsync(account, "first"));
        Assert.False(await StartedAsync(account, "second"));
    }

    [Fact]
    public async Task A_started_mark_with_no_commit_to_ride_along_is_written_on_its_own_after_the_write_behind_time()
    {
        var account = await OpenWithAsync(Usd.FromDecimal(1m));
        await account.AdmitAsync(new AdmissionRequest("long-stream", "laptop", Usd.FromDecimal(0.1m)));
        Assert.True(await account.ConfirmReservationAsync("long-stream"));

        await account.MarkStartedAsync("long-stream");

        // Relay:Accounts:StartedWriteBehind is 1 s, on the silo's own timer (not the tests' fake clock): polled,
        // as PostgreSQL tells nobody when a row changes.
        using var timeout = new CancellationTokenSource(Patience);
        while (!await StartedAsync(account, "long-stream"))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task<bool> StartedAsync(IAccountGrain account, string callId)
    {
        await using var db = NpgsqlDataSource.Create(TestServices.Postgres);
        await using var command = db.CreateCommand("select started from relay_reservations where account_id = $1 and call_id = $2");
        command.Parameters.AddWithValue(account.GetPrimaryKeyString());
        command.Parameters.AddWithValue(callId);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private async Task<IAccountGrain> OpenWithAsync(Usd credit)
    {
        var account = silo.Grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync("someone@example.com");
        await account.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, credit, "test credit"));
        return account;
    }

    private static UsageRecord Free() => new("claude-sonnet-4-6", "test", TokenUsage.None, Usd.Zero, Estimated: false);

    /// <summary>Inserts the call's reservation row in a transaction left open: the grain's insert of it waits for this one.</summary>
    private static async Task<HeldRow> HoldReservationRowAsync(IAccountGrain account, string callId)
    {
        var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "insert into relay_reservations (account_id, call_id, amount_nanos, device, opened_at) values ($1, $2, 1, 'test', now())";
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = account.GetPrimaryKeyString() });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = callId });
        await insert.ExecuteNonQueryAsync();
        return new HeldRow(connection, transaction);
    }

    /// <summary>Waits until a server process is blocked on the held row's lock; returns its pid.</summary>
    private static async Task<int> WaitUntilBlockedAsync(HeldRow held)
    {
        await using var monitor = new NpgsqlConnection(TestServices.Postgres);
        await monitor.OpenAsync();
        await using var blocked = monitor.CreateCommand();
        blocked.CommandText = "select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid)) limit 1";
        blocked.Parameters.Add(new NpgsqlParameter<int> { TypedValue = held.Connection.ProcessID });
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            if (await blocked.ExecuteScalarAsync(timeout.Token) is int pid)
            {
                return pid;
            }
            // Polling the server's lock table: PostgreSQL has no event for "someone waits on my lock".
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<long> ReservationRowsAsync(IAccountGrain account)
    {
        await using var db = NpgsqlDataSource.Create(TestServices.Postgres);
        await using var command = db.CreateCommand("select count(*) from relay_reservations where account_id = $1");
        command.Parameters.AddWithValue(account.GetPrimaryKeyString());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed record HeldRow(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
