using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Relay.EdgeApi.Users;

namespace Relay.Users.Tests.Support;

/// <summary>
/// An edge hosting only the user API (AddUserApi and MapUserApi, as Program.cs wires them) on a test
/// server, calling the silo's grains directly, with its own fake clock for session expiry.
/// </summary>
public sealed class UserApiHost : IAsyncDisposable
{
    public const string Secret = "a-test-secret-of-more-than-thirty-two-bytes";
    public const string PublicBaseUrl = "https://relay.example";

    private readonly WebApplication _app;

    private UserApiHost(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
        Client = app.GetTestClient();
    }

    /// <summary>The edge's clock: session tokens are issued and checked against it.</summary>
    public FakeTimeProvider Clock { get; }

    public HttpClient Client { get; }

    public static async Task<UserApiHost> StartAsync(IGrainFactory grains, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var config = new Dictionary<string, string?>
        {
            ["Relay:Users:SessionSecret"] = Secret,
            ["Relay:Users:PublicBaseUrl"] = PublicBaseUrl,
            ["Relay:Users:AuthPermitLimit"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(config);

        var clock = new FakeTimeProvider(InProcessSilo.Start);
        builder.Services.AddSingleton(grains);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddUserApi(builder.Configuration);

        var app = builder.Build();
        app.MapUserApi();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new UserApiHost(app, clock);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
