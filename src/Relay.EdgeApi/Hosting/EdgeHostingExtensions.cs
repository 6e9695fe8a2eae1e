using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Calls;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Hosting;

/// <summary>How the edge is composed; Program.cs calls these in order.</summary>
public static class EdgeHostingExtensions
{
    /// <summary>
    /// Traces, metrics (meter "Relay.Edge"), health checks. Metrics are scraped by Prometheus at
    /// <c>Relay:Telemetry:PrometheusPath</c>; traces and metrics go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// Traces are made only then (or when <c>Relay:Telemetry:Traces</c> says so; see <see cref="Relay.Hosting.RelayTraces.On"/>).
    /// </summary>
    public static WebApplicationBuilder AddEdgeDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        // The upstream pool sends no trace headers (UpstreamHttp), but the HttpClient instrumentation injects
        // traceparent and the client's baggage itself unless the propagator is plain W3C trace context. Incoming
        // requests are still read by ASP.NET Core's own propagator, and grain calls by Orleans'.
        Sdk.SetDefaultTextMapPropagator(new OpenTelemetry.Context.Propagation.TraceContextPropagator());
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("relay-edge"));
        if (Relay.Hosting.RelayTraces.On(builder.Configuration))
        {
            otel.WithTracing(tracing => tracing
                .AddSource(EdgeMetrics.ActivitySourceName)
                .AddSource(Orleans.Diagnostics.ActivitySources.RuntimeActivitySourceName)
                .AddSource(Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName)
                // Probes and scrapes would drown the calls.
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    context.Request.Path != "/healthz"
                    && !context.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.IsScrape(context.Request.Path))
                .AddHttpClientInstrumentation());
        }
        otel.WithMetrics(metrics => metrics
                .AddMeter(EdgeMetrics.MeterName)
                .AddMeter("Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                // No cached scrape: each scrape sees the values of that moment, and scrapers are few.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>Options, the model catalog, channels, the upstream connection pool and the relay pipeline.</summary>
    public static WebApplicationBuilder AddRelayServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Validated once at start-up, not as an IValidateOptions: those also run on every reload, and a bad edit
        // would then make every read of the options throw. Reloads are checked where they are used instead.
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section);
        services.AddHostedService<RelayOptionsValidator>();
        services.AddMemoryCache();
        services.TryAddSingletonTimeProvider();
        services.AddSingleton<EdgeMetrics>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ChannelRouter>();
        // After the Orleans client, so it starts once the client is connected: the edge listens once it has the catalog.
        services.AddSingleton<ClusterCatalog>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterCatalog>());
        services.AddSingleton<UpstreamHttp>();
        services.AddSingleton<UpstreamCaller>();
        services.AddSingleton<FailedKeyThrottle>();
        services.AddSingleton<CallerResolver>();
        services.AddSingleton<BodyBudget>();
        services.AddSingleton<TokenCountLimit>();
        services.AddSingleton<FeaturePolicy>();
        services.AddSingleton<DeviceIdentity>();
        services.AddSingleton<CallSettler>();
        services.AddSingleton<CallRelay>();
        services.AddShutdownDrain();
        services.AddInternalListener();
        services.AddSingleton<ISettlementObserver, NoSettlementObserver>();

        services.AddOptions<ForwardedHeadersOptions>().Configure<Microsoft.Extensions.Options.IOptions<RelayOptions>>((forwarded, relay) =>
        {
            var trusted = relay.Value.Network.TrustedProxies;
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in trusted)
            {
                if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
                else if (IPAddress.TryParse(entry, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }
        });
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c> and the provider-compatible <c>/v1</c> API on every listener; <c>/admin</c> and the Prometheus
    /// scrape only on the internal one (<see cref="InternalListener"/>).
    /// </summary>
    public static WebApplication MapEdgeEndpoints(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseClusterUnavailableAnswers();
        app.MapHealthChecks("/healthz");
        app.MapRelayApi();
        var telemetry = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (telemetry.ServesPrometheus && !telemetry.PrometheusPath.StartsWith('/'))
        {
            throw new InvalidOperationException($"{TelemetryOptions.Section}:PrometheusPath must start with '/' (or be empty to turn the endpoint off), not '{telemetry.PrometheusPath}'.");
        }
        app.MapInternal(endpoints =>
        {
            if (telemetry.ServesPrometheus)
            {
                // Outside the API-key and admin checks, like /healthz: Prometheus scrapes without credentials.
                endpoints.MapPrometheusScrapingEndpoint(telemetry.PrometheusPath);
            }
            Admin.AdminApi.MapAdminApi(endpoints);
        });
        return app;
    }

    /// <summary>
    /// A stopping edge drains its open calls and settles them before the Orleans client stops: registered after
    /// the client, so stopped before it; the host's shutdown timeout covers the drain and the settling after it.
    /// </summary>
    private static void AddShutdownDrain(this IServiceCollection services)
    {
        services.AddSingleton<CallDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<CallDrain>());
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<RelayOptions>>((host, relay) =>
        {
            var shutdown = relay.Value.Shutdown;
            var needed = shutdown.DrainTimeout + shutdown.SettleTimeout;
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
