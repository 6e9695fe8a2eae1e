using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Storage;
using Relay.Money;
using Relay.Tests.Support;

namespace Relay.Tests.Storage;

/// <summary>
/// deploy/sql/001-orleans-persistence.sql against the real ADO.NET provider, on a database of its own
/// with the script applied twice.
/// </summary>
/// <remarks>
/// The "Npgsql" invariant needs no registration: the provider maps it to the assembly "Npgsql" and reads
/// the static <c>Npgsql.NpgsqlFactory.Instance</c> by reflection (DbProviderFactories is not consulted).
/// A silo only has to reference the Npgsql package so that Npgsql.dll is deployed beside it.
/// </remarks>
public sealed class OrleansPersistenceSchemaTests : IAsyncLifetime
{
    private const string ServiceId = "relay-storage-tests";
    private const string DeletingStorageName = "DeleteOnClear";
    private const string ProbeGrainType = "relay.tests.probe";

    private TestDatabase? _database;

    private TestDatabase Database => _database ?? throw new InvalidOperationException("The database is created per test.");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("storage");
        // Every deployment re-applies the scripts; the second run must be harmless.
        await _database.ApplySchemaAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task State_written_before_a_silo_restart_reads_back_exactly_after_it()
    {
        var written = new ProbeState
        {
            Text = "grüße, 你好 \"quoted\" \\ and a tab\t",
            Balance = Usd.FromDecimal(12.345678901m),
            Lines = ["first", "", "third"],
            At = new DateTimeOffset(2026, 11, 27, 5, 30, 15, 123, TimeSpan.FromHours(8)),
        };
        await using (var silo = await RunningSilo.StartAsync(Database))
        {
            await silo.Grains.GetGrain<IPersistenceProbeGrain>("account-1").SaveAsync(written);
        }

        await using (var silo = await RunningSilo.StartAsync(Database))
        {
            var reading = await silo.Grains.GetGrain<IPersistenceProbeGrain>("account-1").ReadAsync();

            Assert.True(reading.RecordExists);
            Assert.Equal("1", reading.ETag);
            Assert.Equal(written.Text, reading.State.Text);
            Assert.Equal(written.Balance, reading.State.Balance);
            Assert.Equal(written.Lines, reading.State.Lines);
            Assert.Equal(written.At, reading.State.At);
            Assert.Equal(written.At.Offset, reading.State.At.Offset);
        }
        Assert.Equal([(false, 1)], await StoredRowsAsync());
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_the_newer_state_stays()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var grainId = GrainId.Create("probe", "account-2");

        var first = new GrainState<ProbeState>(new ProbeState { Text = "v1" });
        await storage.WriteStateAsync(ProbeGrainType, grainId, first);
        var staleCopy = new GrainState<ProbeState>(new ProbeState { Text = "lost update" }, first.ETag);
        first.State = new ProbeState { Text = "v2" };
        await storage.WriteStateAsync(ProbeGrainType, grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(ProbeGrainType, grainId, staleCopy));

        var read = new GrainState<ProbeState>();
        await storage.ReadStateAsync(ProbeGrainType, grainId, read);
        Assert.Equal("v2", read.State!.Text);
        Assert.Equal("2", read.ETag);
        Assert.Equal("2", first.ETag);
        Assert.Equal("1", staleCopy.ETag);
    }

    [Fact]
    public async Task A_first_write_for_a_grain_that_already_has_state_is_refused()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var grainId = GrainId.Create("probe", "account-3");
        await storage.WriteStateAsync(ProbeGrainType, grainId, new GrainState<ProbeState>(new ProbeState { Text = "winner" }));

        var secondActivation = new GrainState<ProbeState>(new ProbeState { Text = "loser" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(ProbeGrainType, grainId, secondActivation));

        var read = new GrainState<ProbeState>();
        await storage.ReadStateAsync(ProbeGrainType, grainId, read);
        Assert.Equal("winner", read.State!.Text);
        Assert.Equal("1", read.ETag);
    }

    [Fact]
    public async Task Concurrent_writes_from_the_same_version_let_exactly_one_win()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var grainId = GrainId.Create("probe", "account-9");

        // First the race to create the row (no version yet), then the race to move it on from version 1.
        var creators = await RaceAsync(etag: null);
        var updaters = await RaceAsync(etag: "1");

        Assert.Equal(1, creators);
        Assert.Equal(1, updaters);
        Assert.Equal([(false, 2)], await StoredRowsAsync());

        async Task<int> RaceAsync(string? etag)
        {
            var writes = Enumerable.Range(0, 8).Select(async i =>
            {
                try
                {
                    var state = new GrainState<ProbeState>(new ProbeState { Text = $"writer {i}" }, etag);
                    await storage.WriteStateAsync(ProbeGrainType, grainId, state);
                    return 1;
                }
                catch (InconsistentStateException)
                {
                    return 0;
                }
            });
            return (await Task.WhenAll(writes)).Sum();
        }
    }

    [Fact]
    public async Task Clearing_state_forgets_it_across_a_restart_and_the_version_keeps_moving()
    {
        await using (var silo = await RunningSilo.StartAsync(Database))
        {
            var grain = silo.Grains.GetGrain<IPersistenceProbeGrain>("account-4");
            await grain.SaveAsync(new ProbeState { Text = "to be cleared", Balance = Usd.FromCents(99) });
            await grain.ClearAsync();
        }
        Assert.Equal([(true, 2)], await StoredRowsAsync());

        await using (var silo = await RunningSilo.StartAsync(Database))
        {
            var grain = silo.Grains.GetGrain<IPersistenceProbeGrain>("account-4");
            var reading = await grain.ReadAsync();
            Assert.False(reading.RecordExists);
            Assert.Equal("2", reading.ETag);
            Assert.Equal("", reading.State.Text);
            Assert.Equal(Usd.Zero, reading.State.Balance);

            await grain.SaveAsync(new ProbeState { Text = "after the clear" });
            Assert.Equal("after the clear", (await grain.ReadAsync()).State.Text);
        }
        Assert.Equal([(false, 3)], await StoredRowsAsync());
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_is_refused_and_the_state_stays()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var grainId = GrainId.Create("probe", "account-5");
        var current = new GrainState<ProbeState>(new ProbeState { Text = "v1" });
        await storage.WriteStateAsync(ProbeGrainType, grainId, current);
        var stale = new GrainState<ProbeState>(new ProbeState(), current.ETag) { RecordExists = true };
        await storage.WriteStateAsync(ProbeGrainType, grainId, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(ProbeGrainType, grainId, stale));

        var read = new GrainState<ProbeState>();
        await storage.ReadStateAsync(ProbeGrainType, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal("v1", read.State!.Text);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task Delete_on_clear_removes_the_row_and_the_grain_can_write_again()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(DeletingStorageName);
        var grainId = GrainId.Create("probe", "account-6");
        var state = new GrainState<ProbeState>(new ProbeState { Text = "short-lived" });
        await storage.WriteStateAsync(ProbeGrainType, grainId, state);

        await storage.ClearStateAsync(ProbeGrainType, grainId, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Empty(await StoredRowsAsync());

        state.State = new ProbeState { Text = "back again" };
        await storage.WriteStateAsync(ProbeGrainType, grainId, state);
        Assert.Equal("1", state.ETag);
        Assert.Equal([(false, 1)], await StoredRowsAsync());
    }

    [Fact]
    public async Task Grains_that_differ_only_in_key_kind_or_extension_keep_separate_state()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var probe = GrainType.Create("probe");
        GrainId[] ids =
        [
            GrainId.Create(probe, GrainIdKeyExtensions.CreateGuidKey(guid)),
            GrainId.Create(probe, GrainIdKeyExtensions.CreateGuidKey(guid, "eu")),
            GrainId.Create(probe, GrainIdKeyExtensions.CreateGuidKey(guid, "us")),
            GrainId.Create(probe, GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(probe, GrainIdKeyExtensions.CreateIntegerKey(42, "eu")),
            GrainId.Create(probe, GrainIdKeyExtensions.CreateIntegerKey(-42)),
            GrainId.Create(probe, "sk-hash-9f2c"),
        ];
        foreach (var id in ids)
        {
            await storage.WriteStateAsync(ProbeGrainType, id, new GrainState<ProbeState>(new ProbeState { Text = id.ToString() }));
        }

        foreach (var id in ids)
        {
            var read = new GrainState<ProbeState>();
            await storage.ReadStateAsync(ProbeGrainType, id, read);
            Assert.Equal(id.ToString(), read.State!.Text);
            Assert.Equal("1", read.ETag);
        }
        var neverWritten = new GrainState<ProbeState>();
        await storage.ReadStateAsync(ProbeGrainType, GrainId.Create(probe, GrainIdKeyExtensions.CreateIntegerKey(43)), neverWritten);
        Assert.False(neverWritten.RecordExists);
        Assert.Null(neverWritten.ETag);
        Assert.Equal(ids.Length, (await StoredRowsAsync()).Count);
    }

    [Fact]
    public async Task Applying_the_schema_again_keeps_stored_state_and_one_row_per_query()
    {
        await using var silo = await RunningSilo.StartAsync(Database);
        var storage = silo.Storage(PersistenceProbeGrain.StorageName);
        var grainId = GrainId.Create("probe", "account-8");
        var state = new GrainState<ProbeState>(new ProbeState { Text = "survives redeploys" });
        await storage.WriteStateAsync(ProbeGrainType, grainId, state);

        await Database.ApplySchemaAsync();

        var read = new GrainState<ProbeState>();
        await storage.ReadStateAsync(ProbeGrainType, grainId, read);
        Assert.Equal("survives redeploys", read.State!.Text);
        Assert.Equal("1", read.ETag);
        await using var connection = await Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select querykey from orleansquery order by querykey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }
        Assert.Equal(["ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey"], keys);
    }

    /// <summary>Every stored row as (payload is null, version), in version order.</summary>
    private async Task<List<(bool PayloadIsNull, int Version)>> StoredRowsAsync()
    {
        await using var connection = await Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select payload is null, version from grain_state order by version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(bool, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetBoolean(0), reader.GetInt32(1)));
        }
        return rows;
    }

    /// <summary>An in-process silo on free loopback ports, storing grain state in the test database.</summary>
    private sealed class RunningSilo(IHost host) : IAsyncDisposable
    {
        public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

        public IGrainStorage Storage(string name) => host.Services.GetRequiredKeyedService<IGrainStorage>(name);

        public static async Task<RunningSilo> StartAsync(TestDatabase database)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            var (siloPort, gatewayPort) = FreeTcpPorts();
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ServiceId, clusterId: "storage-tests");
                silo.AddAdoNetGrainStorage(PersistenceProbeGrain.StorageName, options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = database.ConnectionString;
                });
                silo.AddAdoNetGrainStorage(DeletingStorageName, options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = database.ConnectionString;
                    options.DeleteStateOnClear = true;
                });
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync();
            }
            catch
            {
                host.Dispose();
                throw;
            }
            return new RunningSilo(host);
        }

        public async ValueTask DisposeAsync()
        {
            // A graceful stop deactivates the grains, as a rolling restart would.
            await host.StopAsync();
            host.Dispose();
        }

        private static (int First, int Second) FreeTcpPorts()
        {
            // Both listeners stay open until both ports are known, so the two cannot be the same.
            using var first = new TcpListener(IPAddress.Loopback, 0);
            using var second = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            second.Start();
            var ports = (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
            first.Stop();
            second.Stop();
            return ports;
        }
    }
}
