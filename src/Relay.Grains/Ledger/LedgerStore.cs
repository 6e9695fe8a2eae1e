using Npgsql;
using NpgsqlTypes;
using Relay.Accounts;
using Relay.Money;

namespace Relay.Ledger;

/// <summary>
/// The append-only ledger table (deploy/sql/010-relay-ledger.sql). Only an account's grain writes its rows.
/// </summary>
public sealed class LedgerStore(NpgsqlDataSource db)
{
    private const string Columns =
        "seq, entry_id, kind, delta_nanos, balance_after_nanos, at, reference, model, channel, input_tokens, output_tokens, " +
        "cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, cost_nanos, estimated, upstream_id, web_search_requests";

    /// <summary>
    /// Commits one account's batch in one transaction and one round trip: the reservations opened, the
    /// reservations closed and the ledger entries. Nothing of the batch is written if any of it fails.
    /// Throws <see cref="DuplicateEntryException"/>, writing nothing, when an entry id is already booked.
    /// </summary>
    public Task CommitAsync(string accountId, JournalBatch batch, CancellationToken cancellation = default) =>
        CommitAsync([(accountId, batch)], cancellation);

    /// <summary>
    /// Commits the batches of several accounts in one transaction and one round trip: all of them, or (when
    /// anything fails) none. A duplicate entry id anywhere throws <see cref="DuplicateEntryException"/>.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<(string AccountId, JournalBatch Batch)> batches, CancellationToken cancellation = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellation);
        await using var commands = new NpgsqlBatch(connection);
        foreach (var (accountId, batch) in batches)
        {
            if (batch.Opened.Count > 0)
            {
                commands.BatchCommands.Add(OpenReservations(accountId, batch.Opened));
            }
            if (batch.Started.Count > 0)
            {
                var start = new NpgsqlBatchCommand("update relay_reservations set started = true where account_id = $1 and call_id = any($2)");
                start.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
                start.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Started] });
                commands.BatchCommands.Add(start);
            }
            if (batch.Closed.Count > 0)
            {
                var close = new NpgsqlBatchCommand("delete from relay_reservations where account_id = $1 and call_id = any($2)");
                close.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
                close.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Closed] });
                commands.BatchCommands.Add(close);
            }
            if (batch.Entries.Count > 0)
            {
                commands.BatchCommands.Add(AppendEntries(accountId, batch.Entries));
            }
        }
        if (commands.BatchCommands.Count == 0)
        {
            return;
        }
        try
        {
            await commands.ExecuteNonQueryAsync(cancellation);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "relay_ledger_entry_once")
        {
            throw new DuplicateEntryException(e);
        }
    }

    /// <summary>The entries an account booked under any of these entry ids, by entry id.</summary>
    public async Task<Dictionary<string, LedgerEntry>> FindManyAsync(string accountId, IEnumerable<string> entryIds, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand($"select {Columns} from relay_ledger where account_id = $1 and entry_id = any($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. entryIds] });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var entries = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellation))
        {
            var entry = Read(reader);
            entries[entry.EntryId] = entry;
        }
        return entries;
    }

    /// <summary>The account's reservations still open when its last activation ended.</summary>
    public async Task<IReadOnlyList<StoredReservation>> ReadReservationsAsync(string accountId, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            "select call_id, amount_nanos, device, opened_at, started from relay_reservations where account_id = $1 order by opened_at");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var reservations = new List<StoredReservation>();
        while (await reader.ReadAsync(cancellation))
        {
            reservations.Add(new StoredReservation(
                reader.GetString(0), new Usd(reader.GetInt64(1)), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        }
        return reservations;
    }

    private static NpgsqlBatchCommand OpenReservations(string accountId, IReadOnlyList<StoredReservation> opened)
    {
        var command = new NpgsqlBatchCommand(
            "insert into relay_reservations (account_id, call_id, amount_nanos, device, opened_at) " +
            "select $1, * from unnest($2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) " +
            "on conflict (account_id, call_id) do nothing");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. opened.Select(r => r.CallId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. opened.Select(r => r.Amount.Nanos)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. opened.Select(r => r.Device)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. opened.Select(r => r.OpenedAt.ToUniversalTime())] });
        return command;
    }

    private static NpgsqlBatchCommand AppendEntries(string accountId, IReadOnlyList<LedgerEntry> entries)
    {
        var command = new NpgsqlBatchCommand(
            $"insert into relay_ledger (account_id, {Columns}) select $1, * from unnest(" +
            "$2::bigint[], $3::text[], $4::smallint[], $5::bigint[], $6::bigint[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], " +
            "$11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::boolean[], $19::text[], $20::bigint[])");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(Array(entries, e => e.Sequence));
        command.Parameters.Add(Array(entries, e => e.EntryId));
        command.Parameters.Add(Array(entries, e => (short)e.Kind));
        command.Parameters.Add(Array(entries, e => e.Delta.Nanos));
        command.Parameters.Add(Array(entries, e => e.BalanceAfter.Nanos));
        command.Parameters.Add(Array(entries, e => e.At.ToUniversalTime()));
        command.Parameters.Add(Array(entries, e => e.Reference));
        command.Parameters.Add(Array(entries, e => e.Usage?.Model));
        command.Parameters.Add(Array(entries, e => e.Usage?.Channel));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.InputTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.OutputTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.CacheReadTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.CacheWrite5mTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.CacheWrite1hTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Tokens.ReasoningTokens));
        command.Parameters.Add(Array(entries, e => e.Usage?.Cost.Nanos));
        command.Parameters.Add(Array(entries, e => e.Usage?.Estimated));
        command.Parameters.Add(Array(entries, e => e.Usage?.UpstreamId));
        command.Parameters.Add(Array(entries, e => e.Usage is { WebSearchRequests: > 0 } usage ? usage.WebSearchRequests : (long?)null));
        return command;
    }

    private static NpgsqlParameter<T[]> Array<T>(IReadOnlyList<LedgerEntry> entries, Func<LedgerEntry, T> column) =>
        new() { TypedValue = [.. entries.Select(column)] };

    /// <summary>The entry an account booked under an entry id, if any.</summary>
    public async Task<LedgerEntry?> FindAsync(string accountId, string entryId, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand($"select {Columns} from relay_ledger where account_id = $1 and entry_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entryId });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? Read(reader) : null;
    }

    /// <summary>The account's newest sequence number and the balance after it; (0, 0) for an empty ledger.</summary>
    public async Task<(long Sequence, Usd Balance)> HeadAsync(string accountId, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            "select seq, balance_after_nanos from relay_ledger where account_id = $1 order by seq desc limit 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? (reader.GetInt64(0), new Usd(reader.GetInt64(1))) : (0, Usd.Zero);
    }

    /// <summary>The account's first entry of a kind, if any.</summary>
    public async Task<LedgerEntry?> FirstOfKindAsync(string accountId, LedgerEntryKind kind, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            $"select {Columns} from relay_ledger where account_id = $1 and kind = $2 order by seq limit 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)kind });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? Read(reader) : null;
    }

    /// <summary>Entries newest first, strictly before a sequence number when one is given.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(string accountId, long? beforeSequence, int limit, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            $"select {Columns} from relay_ledger where account_id = $1 and seq < $2 order by seq desc limit $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = beforeSequence ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Clamp(limit, 1, 1000) });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var entries = new List<LedgerEntry>();
        while (await reader.ReadAsync(cancellation))
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    /// <summary>Usage charges in a time range (and of one model when given), newest first, paged by sequence.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ReadUsageAsync(string accountId, UsageQuery query, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            $"select {Columns} from relay_ledger where account_id = $1 and model is not null and at >= $2 and at < $3 " +
            "and ($4::text is null or model = $4) and seq < $5 order by seq desc limit $6");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.From.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.To.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(Nullable(query.Model));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.BeforeSequence ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Clamp(query.Limit, 1, 1000) });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var entries = new List<LedgerEntry>();
        while (await reader.ReadAsync(cancellation))
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    /// <summary>Calls, tokens and cost per UTC day and model.</summary>
    public async Task<IReadOnlyList<DailyUsage>> ReadDailyUsageAsync(string accountId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation = default)
    {
        await using var command = db.CreateCommand(
            "select (at at time zone 'UTC')::date as day, model, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), " +
            "sum(cache_write_5m_tokens), sum(cache_write_1h_tokens), sum(reasoning_tokens), sum(cost_nanos) " +
            "from relay_ledger where account_id = $1 and model is not null and at >= $2 and at < $3 " +
            "group by day, model order by day, model");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = accountId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var days = new List<DailyUsage>();
        while (await reader.ReadAsync(cancellation))
        {
            days.Add(new DailyUsage(
                reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetInt64(2),
                new TokenUsage(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8)),
                new Usd(reader.GetInt64(9))));
        }
        return days;
    }

    private static NpgsqlParameter Nullable(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static LedgerEntry Read(NpgsqlDataReader r)
    {
        UsageRecord? usage = r.IsDBNull(7) ? null : new UsageRecord(
            Model: r.GetString(7),
            Channel: r.IsDBNull(8) ? "" : r.GetString(8),
            Tokens: new TokenUsage(r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13), r.GetInt64(14)),
            Cost: new Usd(r.GetInt64(15)),
            Estimated: r.GetBoolean(16),
            UpstreamId: r.IsDBNull(17) ? null : r.GetString(17))
        {
            WebSearchRequests = r.IsDBNull(18) ? 0 : r.GetInt64(18),
        };
        return new LedgerEntry(
            Sequence: r.GetInt64(0),
            EntryId: r.GetString(1),
            Kind: (LedgerEntryKind)r.GetInt16(2),
            Delta: new Usd(r.GetInt64(3)),
            BalanceAfter: new Usd(r.GetInt64(4)),
            At: r.GetFieldValue<DateTimeOffset>(5),
            Reference: r.GetString(6),
            Usage: usage);
    }
}
