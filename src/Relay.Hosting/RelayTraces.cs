using Microsoft.Extensions.Configuration;

namespace Relay.Hosting;

/// <summary>Whether a Relay process makes traces at all.</summary>
public static class RelayTraces
{
    /// <summary>
    /// <c>Relay:Telemetry:Traces</c> when set, else exactly when an OTLP endpoint is set. Off, no span is started
    /// and grain calls carry no trace context: with nothing to export them to, that work is CPU on every call for
    /// nothing (docs/benchmarks.md). Read once, at start.
    /// </summary>
    public static bool On(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Relay:Telemetry:Traces") ?? !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
