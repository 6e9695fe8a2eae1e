using Npgsql;
using NpgsqlTypes;

namespace Relay.Catalog;

/// <summary>
/// The catalog's tables (deploy/sql/030-relay-catalog.sql): one row per catalog, rewritten on every change together
/// with that change's audit row in one transaction, so the log never misses a change nor records one that did not
/// happen. Only the catalog grain writes.
/// </summary>
public sealed class CatalogStore(NpgsqlDataSource db)
{
    /// <summary>The stored catalog and its version, or version 0 and null for a catalog never written.</summary>
    internal async Task<(long Version, StoredCatalog? Catalog, DateTimeOffset? UpdatedAt)> LoadAsync(string serviceId, string catalog)
    {
        await using var command = db.CreateCommand("select version, document::text, updated_at from relay_catalog where service_id = $1 and catalog = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = catalog });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return (0, null, null);
        }
        return (reader.GetInt64(0), CatalogJson.Read<StoredCatalog>(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>
    /// Writes version <paramref name="version"/> of the catalog and its audit row, provided the stored version is the
    /// one before it; throws <see cref="CatalogConflictException"/>, writing nothing, when another writer got there first.
    /// </summary>
    internal async Task SaveAsync(string serviceId, string catalog, long version, StoredCatalog document, CatalogAuditEntry audit)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var write = new NpgsqlCommand(
            version == 1
                ? "insert into relay_catalog (service_id, catalog, version, document, updated_at) values ($1, $2, $3, $4::jsonb, $5) on conflict do nothing"
                : "update relay_catalog set version = $3, document = $4::jsonb, updated_at = $5 where service_id = $1 and catalog = $2 and version = $3 - 1",
            connection, transaction))
        {
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = catalog });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CatalogJson.Write(document) });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = audit.At });
            if (await write.ExecuteNonQueryAsync() != 1)
            {
                throw new CatalogConflictException($"The catalog '{catalog}' of service '{serviceId}' is no longer at version {version - 1}.");
            }
        }
        await using (var log = new NpgsqlCommand(
            "insert into relay_catalog_audit (service_id, catalog, version, at, actor, action, subject, before, after) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
            connection, transaction))
        {
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = catalog });
            log.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            log.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = audit.At });
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = audit.Actor });
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = audit.Action });
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = audit.Subject });
            log.Parameters.Add(new NpgsqlParameter { Value = (object?)audit.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            log.Parameters.Add(new NpgsqlParameter { Value = (object?)audit.After ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await log.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    /// <summary>Audit entries below <paramref name="before"/> (all when null), newest first, at most <paramref name="limit"/>.</summary>
    internal async Task<IReadOnlyList<CatalogAuditEntry>> ReadAuditAsync(string serviceId, string catalog, long? before, int limit)
    {
        await using var command = db.CreateCommand(
            "select version, at, actor, action, subject, before::text, after::text from relay_catalog_audit " +
            "where service_id = $1 and catalog = $2 and version < $3 order by version desc limit $4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = catalog });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = before ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var entries = new List<CatalogAuditEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var version = reader.GetInt64(0);
            entries.Add(new CatalogAuditEntry(
                version,
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                version));
        }
        return entries;
    }
}

/// <summary>Another writer changed the catalog since this one read it (two activations at once, briefly, after a silo failure).</summary>
public sealed class CatalogConflictException(string message) : Exception(message);
