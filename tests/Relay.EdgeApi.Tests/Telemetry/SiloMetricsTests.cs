using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
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
public sealed class SiloMetricsTests
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

    /// <summary>The silo's Program.cs (found through its assembly), on its own cluster.</summary>
    private sealed class SiloFactory : WebApplicationFactory<RelaySiloSettings>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Postgres", TestServices.Postgres);
            builder.UseSetting("ConnectionStrings:Redis", TestServices.Redis);
            builder.UseSetting("Orleans:ClusterId", "silo-metrics-" + Guid.NewGuid().ToString("N")[..12]);
            builder.UseSetting("Orleans:ServiceId", "relay-silo-metrics-tests");
            builder.UseSetting("Orleans:SiloPort", TestServices.FreePort().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", TestServices.FreePort().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
