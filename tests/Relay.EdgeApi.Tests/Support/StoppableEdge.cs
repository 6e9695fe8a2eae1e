using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Relay.EdgeApi.Catalog;
using Relay.Testing;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>
/// An edge of its own, on Kestrel, that a test may stop (the host's StopAsync, as SIGTERM does) while calls are
/// open. It joins a given cluster and relays to the simulator through a few channels:
/// <c>claude-opus-4-5</c> streams 20 output tokens paced 100 ms apart (1000 input tokens),
/// <c>claude-sonnet-4-5</c> streams 300 paced 100 ms apart, <c>claude-sonnet-4-6</c> answers at once. These settings
/// seed the cluster's catalog only when it is empty: on the shared harness's silo the harness's channels, which are the
/// same, are used.
/// </summary>
public sealed class StoppableEdge : IAsyncDisposable
{
    public const long PacedInputTokens = 1000;

    public const long PacedOutputTokens = 20;

    private readonly EdgeFactory _factory;
    private readonly Lazy<Task> _stopped;

    private StoppableEdge(EdgeFactory factory, SettlementLog settlements, Uri baseUrl, Uri adminUrl)
    {
        _factory = factory;
        Settlements = settlements;
        _stopped = new Lazy<Task>(() => _factory.DisposeAsync().AsTask());
        BaseUrl = baseUrl;
        Http = NewClient();
        AdminHttp = new HttpClient { BaseAddress = adminUrl, Timeout = TimeSpan.FromSeconds(90) };
    }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>A client of the edge's internal listener (admin API, metrics).</summary>
    public HttpClient AdminHttp { get; }

    public SettlementLog Settlements { get; }

    public IHostApplicationLifetime Lifetime => _factory.Services.GetRequiredService<IHostApplicationLifetime>();

    /// <summary>The edge's copy of the cluster's catalog.</summary>
    public ClusterCatalog Catalog => _factory.Services.GetRequiredService<ClusterCatalog>();

    /// <summary>The edge's own services, to look at its state.</summary>
    public IServiceProvider Services => _factory.Services;

    public static StoppableEdge Start(RelaySiloHost silo, Uri simulator, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var port = TestSilo.FreePort();
        var adminPort = TestSilo.FreePort();
        var sim = simulator.ToString().TrimEnd('/');
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestSilo.Redis,
            ["Orleans:ClusterId"] = silo.ClusterId,
            ["Orleans:ServiceId"] = silo.ServiceId,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Relay:AdminToken"] = EdgeHarness.AdminToken,
            ["Relay:InternalPort"] = adminPort.ToString(CultureInfo.InvariantCulture),
            ["Relay:Upstream:Breaker:MinimumThroughput"] = "1000",
            ["Relay:Channels:0:Name"] = "paced",
            ["Relay:Channels:0:Provider"] = "anthropic",
            ["Relay:Channels:0:BaseUrl"] = sim + $"/_event-delay-ms/100/_input-tokens/{PacedInputTokens}/_output-tokens/{PacedOutputTokens}",
            ["Relay:Channels:0:ApiKey"] = "upstream-key-paced",
            ["Relay:Channels:0:Models:0"] = "claude-opus-4-5",
            ["Relay:Channels:1:Name"] = "slow",
            ["Relay:Channels:1:Provider"] = "anthropic",
            ["Relay:Channels:1:BaseUrl"] = sim + "/_event-delay-ms/100/_output-tokens/300",
            ["Relay:Channels:1:ApiKey"] = "upstream-key-slow",
            ["Relay:Channels:1:Models:0"] = "claude-sonnet-4-5",
            ["Relay:Channels:2:Name"] = "prompt",
            ["Relay:Channels:2:Provider"] = "anthropic",
            ["Relay:Channels:2:BaseUrl"] = sim + "/_input-tokens/1000/_output-tokens/12",
            ["Relay:Channels:2:ApiKey"] = "upstream-key-prompt",
            ["Relay:Channels:2:Models:0"] = "claude-sonnet-4-6",
            ["Relay:Channels:3:Name"] = "openai-prompt",
            ["Relay:Channels:3:Provider"] = "openai",
            ["Relay:Channels:3:BaseUrl"] = sim + "/_input-tokens/1000/_output-tokens/12",
            ["Relay:Channels:3:ApiKey"] = "upstream-key-openai",
            ["Relay:Channels:3:Models:0"] = "gpt-5.4",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var settlements = new SettlementLog();
        var factory = new EdgeFactory(settings, settlements);
        factory.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Listen(IPAddress.Loopback, adminPort);
        });
        factory.StartServer();
        return new StoppableEdge(
            factory,
            settlements,
            new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")),
            new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{adminPort}/")));
    }

    /// <summary>A client on a connection of its own.</summary>
    public HttpClient NewClient() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(90) };

    /// <summary>Stops the edge's host as SIGTERM would; completes when the host has stopped. Idempotent.</summary>
    public Task StopAsync() => _stopped.Value;

    /// <summary>Completes when the edge has begun to stop.</summary>
    public Task StoppingAsync()
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        AdminHttp.Dispose();
        await StopAsync();
    }
}
