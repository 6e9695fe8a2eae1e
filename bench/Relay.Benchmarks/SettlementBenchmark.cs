using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Relay.Accounts;
using Relay.Money;
using Relay.Silo.Hosting;

namespace Relay.Benchmarks;

/// <summary>
/// Durable settlements per second through real account grains (each acknowledged only after its ledger row
/// is committed), beside the raw single-row insert commit rate of the same PostgreSQL, in the same run.
/// </summary>
internal static class SettlementBenchmark
{
    public static async Task RunAsync(string postgres, string redis, TimeSpan duration, int concurrency)
    {
        var raw = await RawCommitRateAsync(postgres, duration, concurrency: 1);
        var rawParallel = await RawCommitRateAsync(postgres, duration, concurrency);

        using var silo = await StartSiloAsync(postgres, redis);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var hot = await SettleRateAsync(grains, accounts: 1, concurrency, duration);
        var spread = await SettleRateAsync(grains, accounts: 1000, concurrency, duration);
        await silo.StopAsync();

        Console.WriteLine();
        Console.WriteLine($"Durable settlements ({duration.TotalSeconds:0} s each, {concurrency} concurrent callers)");
        Console.WriteLine("| what | per second | vs raw commit rate (1 connection) |");
        Console.WriteLine("|---|---:|---:|");
        Row("raw single-row insert commits, 1 connection", raw, raw);
        Row($"raw single-row insert commits, {concurrency} connections", rawParallel, raw);
        Row("settlements, one hot account", hot, raw);
        Row("settlements, spread over 1,000 accounts", spread, raw);
    }

    private static void Row(string what, double rate, double baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {rate:0} | {rate / baseline:0.00}x |"));

    private static async Task<double> RawCommitRateAsync(string postgres, TimeSpan duration, int concurrency)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        await using (var create = db.CreateCommand(
            "create table if not exists bench_commits (id bigserial primary key, account text not null, amount bigint not null, at timestamptz not null default now())"))
        {
            await create.ExecuteNonQueryAsync();
        }
        long count = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var insert = new NpgsqlCommand("insert into bench_commits (account, amount) values ($1, $2)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"w{worker}" });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 1 });
            await insert.PrepareAsync();
            while (stop.Elapsed < duration)
            {
                await insert.ExecuteNonQueryAsync();
                Interlocked.Increment(ref count);
            }
        }));
        await using (var drop = db.CreateCommand("drop table bench_commits"))
        {
            await drop.ExecuteNonQueryAsync();
        }
        return count / stop.Elapsed.TotalSeconds;
    }

    private static async Task<double> SettleRateAsync(IGrainFactory grains, int accounts, int concurrency, TimeSpan duration)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, accounts).Select(i => $"bench_{run}_{i}").ToArray();
        foreach (var id in ids)
        {
            var account = grains.GetGrain<IAccountGrain>(id);
            await account.OpenAsync("bench@relay.local");
            await account.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, Usd.FromDecimal(1_000_000m), "benchmark"));
        }

        long count = 0;
        var usage = new UsageRecord("claude-sonnet-4-6", "bench", new TokenUsage(1000, 100), Usd.FromDecimal(0.0045m), Estimated: false);
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (var n = 0; stop.Elapsed < duration; n++)
            {
                var account = grains.GetGrain<IAccountGrain>(ids[(worker + n * concurrency) % ids.Length]);
                var callId = $"{worker}-{n}";
                await account.AdmitAsync(new AdmissionRequest(callId, "bench", usage.Cost));
                // As the edge does before it answers: the reservation is durable, then the call is settled.
                if (!await account.ConfirmReservationAsync(callId))
                {
                    throw new InvalidOperationException($"reservation of {callId} not durable");
                }
                await account.SettleAsync(new Settlement(callId, usage));
                Interlocked.Increment(ref count);
            }
        }));
        return count / stop.Elapsed.TotalSeconds;
    }

    private static string FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<IHost> StartSiloAsync(string postgres, string redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgres,
            ["ConnectionStrings:Redis"] = redis,
            ["Orleans:ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans:ServiceId"] = "relay-bench",
            ["Orleans:SiloPort"] = FreePort(),
            ["Orleans:GatewayPort"] = FreePort(),
        });
        builder.AddRelaySilo();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
