using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Relay.Accounts;
using Relay.Catalog;
using Relay.Ledger;
using Relay.Payments;

namespace Relay.Silo.Hosting;

/// <summary>Composes a Relay silo: Redis membership, PostgreSQL storage and ledger, telemetry, health.</summary>
public static class RelaySiloExtensions
{
    private const string PrometheusPathKey = "Relay:Telemetry:PrometheusPath";

    /// <summary>Adds the Orleans silo and everything Relay's grains need to the host.</summary>
    public static IHostApplicationBuilder AddRelaySilo(this IHostApplicationBuilder builder)
    {
        var settings = RelaySiloSettings.From(builder.Configuration);

        builder.Services.AddSingleton(settings);
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section);
        builder.Services.AddOptions<PaymentOrderOptions>().BindConfiguration(PaymentOrderOptions.Section);
        builder.Services.TryAddKeyedSingleton(RelayClock.Key, TimeProvider.System);
        builder.Services.AddSingleton(_ => LedgerDataSource(settings.Postgres));
        builder.Services.AddSingleton<LedgerStore>();
        builder.Services.AddSingleton<LedgerWriter>();
        builder.Services.AddSingleton<AccountMetrics>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.AddChannelKeyProtection();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.UseRedisClustering(settings.Redis);
            silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            silo.AddAdoNetGrainStorage(RelayStorage.Name, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.Postgres;
            });
            silo.Configure<ClusterMembershipOptions>(RelaySiloSettings.FastEviction);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
            if (TracesOn(builder.Configuration))
            {
                // Grain calls continue the trace of the edge call that made them.
                silo.AddActivityPropagation();
            }
        });

        // Stablecoin deposits, watched on chain once an RPC endpoint and an xpub are configured.
        builder.Services.AddStablecoinWatcher(builder.Configuration);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHealthChecks();
        builder.AddRelayTelemetry("relay-silo");
        return builder;
    }

    /// <summary>
    /// ASP.NET Core Data Protection for the catalog's channel keys: one application name, so every silo shares the keys,
    /// and the key ring in PostgreSQL. The key ring's own XML is not encrypted at rest unless
    /// <c>Relay:DataProtection:CertificatePath</c> names a certificate (PFX) to protect it with.
    /// </summary>
    private static void AddChannelKeyProtection(this IHostApplicationBuilder builder)
    {
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("relay");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((keys, db) => keys.XmlRepository = new PostgresKeyRing(db));
        var certificatePath = builder.Configuration["Relay:DataProtection:CertificatePath"];
        if (!string.IsNullOrEmpty(certificatePath))
        {
            dataProtection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(certificatePath, builder.Configuration["Relay:DataProtection:CertificatePassword"]));
        }
    }

    /// <summary>
    /// The ledger's connections. The money path sends the same few statements over and over, so they are
    /// prepared once per connection (unless the connection string says otherwise). A connection going back to
    /// the pool is not reset: the ledger sets no session state, and the reset Npgsql would otherwise send with
    /// the next use is a transaction of its own, one more for every commit (docs/benchmarks.md).
    /// </summary>
    private static NpgsqlDataSource LedgerDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder.Build();
    }

    /// <summary>
    /// OpenTelemetry traces and metrics for Orleans and Relay: metrics scraped by Prometheus (see
    /// <see cref="MapRelayMetrics"/>), both exported over OTLP when an endpoint is set.
    /// </summary>
    public static IHostApplicationBuilder AddRelayTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName));
        if (TracesOn(builder.Configuration))
        {
            // Grain calls, then what they cost underneath: grain state writes and the ledger's SQL (Npgsql).
            otel.WithTracing(t => t.AddSource(
                Orleans.Diagnostics.ActivitySources.RuntimeActivitySourceName,
                Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName,
                Orleans.Diagnostics.ActivitySources.StorageActivitySourceName,
                "Npgsql",
                "Relay.*"));
        }
        otel.WithMetrics(m => m.AddMeter("Microsoft.Orleans", AccountMetrics.MeterName).AddRuntimeInstrumentation()
                // No cached scrape: each scrape sees the values of that moment, and scrapers are few.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>
    /// Whether the silo makes traces at all: <c>Relay:Telemetry:Traces</c> when set, else exactly when an OTLP
    /// endpoint is set. Off, no span is started and grain calls carry no trace context: with nothing to export
    /// them to, that work is CPU on every call for nothing (docs/benchmarks.md).
    /// </summary>
    public static bool TracesOn(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Relay:Telemetry:Traces") ?? !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// The Prometheus scrape endpoint beside /healthz, at <c>Relay:Telemetry:PrometheusPath</c> (default
    /// <c>/metrics</c>; empty turns it off). Unauthenticated: the silo's HTTP port stays inside the network.
    /// </summary>
    public static WebApplication MapRelayMetrics(this WebApplication app)
    {
        var path = app.Configuration[PrometheusPathKey] ?? "/metrics";
        if (path.Length == 0)
        {
            return app;
        }
        if (!path.StartsWith('/'))
        {
            throw new InvalidOperationException($"{PrometheusPathKey} must start with '/' (or be empty to turn the endpoint off), not '{path}'.");
        }
        app.MapPrometheusScrapingEndpoint(path);
        return app;
    }
}

/// <summary>Where a silo listens and what it connects to, from configuration and environment.</summary>
public sealed record RelaySiloSettings(
    string Postgres, string Redis, string ClusterId, string ServiceId, IPAddress AdvertisedAddress, int SiloPort, int GatewayPort)
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";
    public const string DefaultRedis = "127.0.0.1:56379";

    public static RelaySiloSettings From(IConfiguration config) => new(
        Postgres: config.GetConnectionString("Postgres") ?? config["RELAY_POSTGRES"] ?? DefaultPostgres,
        Redis: config.GetConnectionString("Redis") ?? config["RELAY_REDIS"] ?? DefaultRedis,
        ClusterId: config["Orleans:ClusterId"] ?? "relay",
        ServiceId: config["Orleans:ServiceId"] ?? "relay",
        AdvertisedAddress: IPAddress.Parse(config["Orleans:AdvertisedIp"] ?? "127.0.0.1"),
        SiloPort: config.GetValue("Orleans:SiloPort", 11111),
        GatewayPort: config.GetValue("Orleans:GatewayPort", 30000));

    /// <summary>
    /// Membership tuned so a silo that died is evicted in seconds rather than a minute: probes every second,
    /// three missed probes suspect it and one vote declares it dead. The price is more false suspicions on
    /// an overloaded machine, which a healthy silo survives by rejoining.
    /// </summary>
    public static void FastEviction(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
    }
}
