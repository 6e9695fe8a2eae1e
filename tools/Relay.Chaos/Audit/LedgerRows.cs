using Npgsql;

namespace Relay.Chaos.Audit;

/// <summary>One row of relay_ledger (deploy/sql/010-relay-ledger.sql).</summary>
internal sealed record LedgerRow(
    string AccountId,
    long Seq,
    string EntryId,
    short Kind,
    long DeltaNanos,
    long BalanceAfterNanos,
    string? Model,
    Tokens? Tokens,
    long? CostNanos,
    bool? Estimated,
    string? UpstreamId)
{
    public const short AdminAdjustment = 8;
    public const short UsageCharge = 7;
    public const short ReservationExpiry = 9;

    /// <summary>The call id of a usage charge or expiry (entry id <c>call:&lt;callId&gt;</c>), else null.</summary>
    public string? CallId => EntryId.StartsWith("call:", StringComparison.Ordinal) ? EntryId["call:".Length..] : null;
}

/// <summary>Reads the ledger straight from PostgreSQL, beside the grains, to hold them to it.</summary>
internal sealed class LedgerRows(NpgsqlDataSource db)
{
    /// <summary>Every row of the given accounts, by account in sequence order.</summary>
    public async Task<IReadOnlyDictionary<string, List<LedgerRow>>> ReadAsync(IReadOnlyCollection<string> accounts, CancellationToken cancellation)
    {
        await using var command = db.CreateCommand(
            "select account_id, seq, entry_id, kind, delta_nanos, balance_after_nanos, model, input_tokens, output_tokens, " +
            "cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, cost_nanos, estimated, upstream_id " +
            "from relay_ledger where account_id = any($1) order by account_id, seq");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = accounts.ToArray() });
        var rows = accounts.ToDictionary(a => a, _ => new List<LedgerRow>(), StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            long? Long(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            Tokens? tokens = reader.IsDBNull(7)
                ? null
                : new Tokens(reader.GetInt64(7), reader.GetInt64(8) + reader.GetInt64(12), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12));
            var row = new LedgerRow(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetInt16(3),
                reader.GetInt64(4),
                reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                tokens,
                Long(13),
                reader.IsDBNull(14) ? null : reader.GetBoolean(14),
                reader.IsDBNull(15) ? null : reader.GetString(15));
            rows[row.AccountId].Add(row);
        }
        return rows;
    }
}
