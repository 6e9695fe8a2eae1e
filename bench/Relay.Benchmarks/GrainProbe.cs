using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Relay.Accounts;
using Relay.Money;
using StackExchange.Redis;

namespace Relay.Benchmarks;

/// <summary>
/// The grain calls an edge makes for each call, timed one at a time from an Orleans client in this process
/// (configured as the edge's is), against the benchmark's silo: what admission and settlement cost alone.
/// </summary>
internal static class GrainProbe
{
    public static async Task<GrainTimes> MeasureAsync(LocalCluster cluster, string accountId, int calls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(cluster.Redis));
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = cluster.ClusterId;
                options.ServiceId = cluster.ServiceId;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var account = host.Services.GetRequiredService<IClusterClient>().GetGrain<IAccountGrain>(accountId);
            var usage = new UsageRecord("claude-sonnet-4-6", "probe", new TokenUsage(10, 12), Usd.FromDecimal(0.0002m), Estimated: false);
            var read = new double[calls];
            var admit = new double[calls];
            var confirm = new double[calls];
            var settle = new double[calls];
            await account.GetAsync();
            for (var i = 0; i < calls; i++)
            {
                var callId = $"probe-{Guid.NewGuid():N}";
                var clock = Stopwatch.StartNew();
                await account.GetAsync();
                read[i] = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                var admission = await account.AdmitAsync(new AdmissionRequest(callId, "bench", Usd.FromDecimal(0.001m)));
                admit[i] = clock.Elapsed.TotalMilliseconds;
                if (!admission.Admitted)
                {
                    throw new InvalidOperationException($"probe call not admitted: {admission.Outcome}");
                }
                clock.Restart();
                if (!await account.ConfirmReservationAsync(callId))
                {
                    throw new InvalidOperationException("probe call's reservation not durable");
                }
                confirm[i] = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                await account.SettleAsync(new Settlement(callId, usage));
                settle[i] = clock.Elapsed.TotalMilliseconds;
            }
            return new GrainTimes(read, admit, confirm, settle);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

/// <summary>Milliseconds per grain call, one sample per probe iteration.</summary>
internal sealed record GrainTimes(double[] Read, double[] Admit, double[] Confirm, double[] Settle);
