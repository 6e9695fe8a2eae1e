using Relay.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);

// The Orleans silo: Redis membership, PostgreSQL grain storage and ledger, telemetry.
builder.AddRelaySilo();

var app = builder.Build();

// Liveness for load balancers and the local cluster script.
app.MapHealthChecks("/healthz");

// Prometheus scrapes the silo's metrics (accounts, Orleans, runtime) at /metrics.
app.MapRelayMetrics();

app.Run();

/// <summary>The silo's entry point, visible to tests that host it.</summary>
public partial class Program;
