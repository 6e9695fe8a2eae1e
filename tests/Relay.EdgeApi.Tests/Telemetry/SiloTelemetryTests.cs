using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;
using Relay.Silo.Hosting;
using Relay.Testing;

namespace Relay.EdgeApi.Tests.Telemetry;

/// <summary>
/// The silo program as deployed, with its HTTP endpoints. In the edge's collection: the account meters of every
/// silo in this process are read together, so nothing else may move them while this runs.
/// </summary>
[Collection(SharedEdge.Name)]
public sealed class SiloTelemetryTests
{
    [Fact]
    public async Task The_silo_serves_its_account_metrics_to_Prometheus_beside_its_health()
    {
        await using var silo = new SiloFactory();
        using var http = silo.CreateClient();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var account = grains.GetGrain<IAccountGrain>(TestServices.NewAccountId());
        await account.OpenAsync($"{Guid.NewGuid():N}@example.com");
        // Its own cluster, not the default one: the settings reached the silo before it was composed.
        Assert.StartsWith("silo-metrics-", silo.Services.GetRequiredService<RelaySiloSettings>().ClusterId, StringComparison.Ordinal);
        var before = await ScrapeAsync(http);

        await account.PostAsync(new LedgerPosting("seed", LedgerEntryKind.AdminAdjustment, Usd.FromDecimal(2m), "test"));
        var admission = await account.AdmitAsync(new AdmissionRequest("call_silo_metrics", "ip:192.0.2.1", Usd.FromDecimal(0.5m)));
        var after = await ScrapeAsync(http);

        Assert.True(admission.Admitted);
        Assert.Equal(1, Delta("relay_reservations_open"));
        Assert.Equal(Usd.FromDecimal(2m).Nanos, Delta("relay_ledger_booked_nUSD_total", ("kind", "AdminAdjustment")));
        using var health = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        double Delta(string name, params (string, string)[] labels) =>
            PrometheusText.Sum(after, name, labels) - PrometheusText.Sum(before, name, labels);
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task The_silo_exports_a_grain_call_with_its_state_write_and_the_sql_beneath_it()
    {
        var (spans, processor) = ActivityLog.Exported();
        using var log = spans;
        await using var silo = new SiloFactory(processor);
        var accountId = TestServices.NewAccountId();

        await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IAccountGrain>(accountId).OpenAsync($"{Guid.NewGuid():N}@example.com");

        // The caller's span ends last, so the whole call is in the log by then.
        var call = await spans.WaitForAsync(activity => IsCallOn(activity, ActivityKind.Client, accountId));
        var trace = spans.InTrace(call.TraceId);

        var opened = Assert.Single(trace, activity => IsCallOn(activity, ActivityKind.Server, accountId));
        Assert.Equal(call.SpanId, opened.ParentSpanId);
        var write = Assert.Single(trace, activity => activity.Source.Name == "Microsoft.Orleans.Storage" && activity.ParentSpanId == opened.SpanId);
        Assert.Equal("write storage", write.DisplayName);
        var sql = Assert.Single(trace, activity => activity.Source.Name == "Npgsql" && activity.ParentSpanId == write.SpanId);
        Assert.Equal(ActivityKind.Client, sql.Kind);
    }

    private static bool IsCallOn(Activity activity, ActivityKind kind, string accountId) =>
        activity.Source.Name == "Microsoft.Orleans.Application" && activity.Kind == kind
        && Equals(activity.GetTagItem("orleans.rpc.target_id"), "account/" + accountId);

    /// <summary>The silo's Program.cs (found through its assembly), on its own cluster.</summary>
    private sealed class SiloFactory(BaseProcessor<Activity>? spans = null) : WebApplicationFactory<RelaySiloSettings>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            if (spans is not null)
            {
                builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(spans)));
            }
            builder.UseSetting("ConnectionStrings:Postgres", TestServices.Postgres);
            builder.UseSetting("ConnectionStrings:Redis", TestServices.Redis);
            builder.UseSetting("Orleans:ClusterId", "silo-metrics-" + Guid.NewGuid().ToString("N")[..12]);
            builder.UseSetting("Orleans:ServiceId", "relay-silo-metrics-tests");
            builder.UseSetting("Orleans:SiloPort", TestServices.FreePort().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", TestServices.FreePort().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Relay:Telemetry:Traces", spans is null ? "false" : "true");
        }
    }
}
