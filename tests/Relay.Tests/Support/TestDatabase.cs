using System.Text;
using Npgsql;

namespace Relay.Tests.Support;

/// <summary>
/// A fresh PostgreSQL database of its own, holding Relay's schema (every <c>deploy/sql/*.sql</c> in name
/// order), dropped again on dispose. The server comes from <c>RELAY_POSTGRES</c>.
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{

    // PostgreSQL truncates identifiers at 63 bytes; a Guid in "N" form takes 32 of them.
    private const int MaxPrefixLength = 63 - 1 - 32;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name: the prefix, an underscore and a fresh Guid.</summary>
    public string Name { get; }

    /// <summary>Connects to this database and nothing else.</summary>
    public string ConnectionString { get; }

    /// <summary>The server the tests run against, from <c>RELAY_POSTGRES</c> or the local default.</summary>
    public static string ServerConnectionString => TestServices.Postgres;

    /// <summary>Creates a database named after <paramref name="prefix"/> and applies the schema to it.</summary>
    public static async Task<TestDatabase> CreateAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{Identifier(prefix)}_{Guid.NewGuid():N}";
        await using (var admin = await OpenMaintenanceConnectionAsync(cancellationToken))
        {
            await using var create = new NpgsqlCommand($"create database \"{name}\"", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
        var database = new TestDatabase(name, connectionString);
        try
        {
            await database.ApplySchemaAsync(cancellationToken);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
        return database;
    }

    /// <summary>The schema scripts, in the order they are applied.</summary>
    public static IReadOnlyList<string> SchemaScripts() =>
        [.. Directory.GetFiles(Path.Combine(TestServices.RepositoryRoot(), "deploy", "sql"), "*.sql").Order(StringComparer.Ordinal)];

    /// <summary>Applies every schema script again, as a deployment would on each start.</summary>
    public async Task ApplySchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        foreach (var script in SchemaScripts())
        {
            // One command per file: Npgsql splits the statements itself and honours the file's own
            // begin/commit, so a file applies whole or not at all.
            await using var command = new NpgsqlCommand(await File.ReadAllTextAsync(script, cancellationToken), connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>An open connection to this database; the caller disposes it.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }
        await using var admin = await OpenMaintenanceConnectionAsync(CancellationToken.None);
        // FORCE: a silo that is still shutting down may hold connections.
        await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> OpenMaintenanceConnectionAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static string Identifier(string prefix)
    {
        var safe = new StringBuilder(prefix.Length);
        foreach (var c in prefix.ToLowerInvariant())
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }
        if (safe.Length == 0 || !char.IsAsciiLetter(safe[0]))
        {
            safe.Insert(0, 't');
        }
        return safe.ToString(0, Math.Min(safe.Length, MaxPrefixLength));
    }
}
