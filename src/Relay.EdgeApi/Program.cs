using Relay.EdgeApi.Payments;
using Relay.EdgeApi.Users;
using Relay.EdgeApi.Hosting;
using Relay.Hosting;

var builder = WebApplication.CreateBuilder(args);

// Telemetry and health checks.
builder.AddEdgeDefaults();

// The Orleans client that reaches the account and key grains.
builder.AddRelayOrleansClient();

// Catalog, channels, upstream pool and the relay pipeline.
builder.AddRelayServices();

// The user's own API (sign-up, sessions, keys, usage, transfers), on once a session secret is set (like
// /admin with its token), and top-ups with receipts.
var userApi = !string.IsNullOrEmpty(builder.Configuration["Relay:Users:SessionSecret"]);
if (userApi)
{
    builder.Services.AddUserApi(builder.Configuration);
}
builder.Services.AddPayments(builder.Configuration);

var app = builder.Build();

// /healthz, the provider-compatible /v1 API and /admin.
app.MapEdgeEndpoints();

// /api for signed-in users, /payments for the payment providers' notifications.
if (userApi)
{
    app.MapUserApi();
}
app.MapPaymentsApi();

app.Run();

/// <summary>The edge's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
