using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Payments;
using Relay.EdgeApi.Users;

var builder = WebApplication.CreateBuilder(args);

// Telemetry and health checks.
builder.AddEdgeDefaults();

// The Orleans client that reaches the account and key grains.
builder.AddRelayOrleansClient();

// Catalog, channels, upstream pool and the relay pipeline.
builder.AddRelayServices();

// People's own API (sign-up, sign-in, keys, usage, transfers) and Alipay top-ups.
builder.Services.AddUserApi(builder.Configuration);
builder.Services.AddPayments(builder.Configuration);

var app = builder.Build();

// /healthz, the provider-compatible /v1 API and /admin.
app.MapEdgeEndpoints();

// /api (users and top-ups) and the Alipay notification.
app.MapUserApi();
app.MapPaymentsApi();

app.Run();

/// <summary>The edge's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
