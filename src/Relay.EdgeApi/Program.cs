using Relay.EdgeApi.Hosting;

var builder = WebApplication.CreateBuilder(args);

// Telemetry and health checks.
builder.AddEdgeDefaults();

// The Orleans client that reaches the account and key grains.
builder.AddRelayOrleansClient();

// Catalog, channels, upstream pool and the relay pipeline.
builder.AddRelayServices();

var app = builder.Build();

// /healthz, the provider-compatible /v1 API and /admin.
app.MapEdgeEndpoints();

app.Run();

/// <summary>The edge's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
