namespace Relay.EdgeApi.Telemetry;

/// <summary>How the edge exposes its telemetry, from <c>Relay:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Relay:Telemetry";

    /// <summary>
    /// Where Prometheus scrapes the edge's metrics, unauthenticated (keep it off the public listener); empty
    /// turns the endpoint off. OTLP export is independent of it.
    /// </summary>
    public string PrometheusPath { get; set; } = "/metrics";

    public bool ServesPrometheus => !string.IsNullOrEmpty(PrometheusPath);

    /// <summary>Whether a request is a scrape, so it is left out of traces.</summary>
    public bool IsScrape(PathString path) => ServesPrometheus && path.Equals(PrometheusPath, StringComparison.OrdinalIgnoreCase);
}
