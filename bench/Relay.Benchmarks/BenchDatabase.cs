using System.Globalization;
using Npgsql;

namespace Relay.Benchmarks;

/// <summary>
/// A PostgreSQL database of the benchmark's own (the server is shared with other work), with Relay's schema, so that
/// its transaction count and its backends' CPU count the benchmark's silo and nothing else.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    /// <summary>
    /// A backend publishes its transaction counts when it goes idle, but at most once a second, and otherwise within
    /// 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): counts read sooner after the last call can miss its commits.
    /// </summary>
    public static readonly TimeSpan StatisticsDelay = TimeSpan.FromSeconds(11);

    private readonly NpgsqlDataSource _server;

    private BenchDatabase(NpgsqlDataSource server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>Drops and creates the database <paramref name="name"/> on the server of <paramref name="serverConnectionString"/>.</summary>
    public static async Task<BenchDatabase> CreateAsync(string serverConnectionString, string name, string schemaFolder)
    {
        var server = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres" }.ConnectionString);
        await using (var drop = server.CreateCommand($"drop database if exists \"{name}\" with (force)"))
        {
            await drop.ExecuteNonQueryAsync();
        }
        await using (var create = server.CreateCommand($"create database \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        // Gone once the schema is in: the benchmark's own connections are to the server's "postgres" database, so
        // that every backend of this one serves the silo.
        await using var database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        foreach (var file in Directory.GetFiles(schemaFolder, "*.sql").Order(StringComparer.Ordinal))
        {
            await using var apply = database.CreateCommand(await File.ReadAllTextAsync(file));
            await apply.ExecuteNonQueryAsync();
        }
        return new BenchDatabase(server, name, connectionString);
    }

    /// <summary>Transactions committed in this database so far (pg_stat_database.xact_commit).</summary>
    public async Task<long> CommitsAsync()
    {
        await using var command = _server.CreateCommand("select xact_commit from pg_stat_database where datname = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The server processes serving connections to this database now, other than the benchmark's own.</summary>
    public async Task<IReadOnlyList<int>> BackendPidsAsync()
    {
        await using var command = _server.CreateCommand("select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        await using var reader = await command.ExecuteReaderAsync();
        var pids = new List<int>();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
        return pids;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var drop = _server.CreateCommand($"drop database if exists \"{Name}\" with (force)");
            await drop.ExecuteNonQueryAsync();
        }
        finally
        {
            await _server.DisposeAsync();
        }
    }
}
