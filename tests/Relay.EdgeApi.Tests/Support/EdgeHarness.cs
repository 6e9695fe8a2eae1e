using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Relay.Accounts;
using Relay.Simulator.Hosting;
using Relay.Testing;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>
/// The whole path of a call, in process: a real silo (Redis + PostgreSQL), the upstream simulator, a capturing
/// upstream, and the edge on Kestrel. Channels are arranged so each model exercises one behaviour.
/// </summary>
public sealed class EdgeHarness : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token";

    /// <summary>Usage every ordinary simulator channel reports: 1000 input and 12 output tokens.</summary>
    public const long InputTokens = 1000;

    public const long OutputTokens = 12;

    /// <summary>Tool calls the tool channels make when tools are offered, and their reasoning tokens (shown when asked).</summary>
    public const int ToolCalls = 2;

    public const int ReasoningTokens = 3;

    /// <summary>The request body limit the edge runs with in tests (the default is 32 MiB).</summary>
    public const long MaxBodyBytes = 2 * 1024 * 1024;

    private EdgeFactory? _edge;

    public RelaySiloHost Silo { get; private set; } = null!;

    public SimulatorServer Simulator { get; private set; } = null!;

    public CapturingUpstream Capture { get; private set; } = null!;

    public SettlementLog Settlements { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The edge's internal listener: the admin API and metrics, which the public one does not serve.</summary>
    public Uri AdminUrl { get; private set; } = null!;

    public HttpClient AdminHttp { get; private set; } = null!;

    public IGrainFactory Grains => Silo.Grains;

    public async Task InitializeAsync()
    {
        Silo = await TestSilo.StartAsync();
        Simulator = await SimulatorServer.StartAsync();
        Capture = await CapturingUpstream.StartAsync();
        var port = TestSilo.FreePort();
        var adminPort = TestSilo.FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        AdminUrl = new Uri($"http://127.0.0.1:{adminPort}/");
        var settings = Settings();
        settings["Relay:InternalPort"] = adminPort.ToString(CultureInfo.InvariantCulture);
        _edge = new EdgeFactory(settings, Settlements);
        _edge.UseKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, port);
            kestrel.Listen(System.Net.IPAddress.Loopback, adminPort);
        });
        _edge.StartServer();
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        AdminHttp = new HttpClient { BaseAddress = AdminUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        AdminHttp.Dispose();
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }
        await Capture.DisposeAsync();
        await Simulator.DisposeAsync();
        await Silo.DisposeAsync();
    }

    /// <summary>Opens an account through the admin API, credits it and makes a key.</summary>
    public async Task<(string AccountId, string Key)> NewAccountAsync(decimal creditUsd)
    {
        using var open = Admin(HttpMethod.Post, "admin/accounts", new { email = $"{Guid.NewGuid():N}@example.com" });
        using var opened = await AdminHttp.SendAsync(open);
        opened.EnsureSuccessStatusCode();
        var accountId = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>();
        if (creditUsd != 0m)
        {
            using var credit = Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits", new { amountUsd = creditUsd, reason = "test", id = Guid.NewGuid().ToString("N") });
            using var credited = await AdminHttp.SendAsync(credit);
            credited.EnsureSuccessStatusCode();
        }
        using var key = Admin(HttpMethod.Post, $"admin/accounts/{accountId}/keys", new { name = "test" });
        using var made = await AdminHttp.SendAsync(key);
        made.EnsureSuccessStatusCode();
        return (accountId, (await made.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>());
    }

    public Task<AccountView> AccountAsync(string accountId) => Grains.GetGrain<IAccountGrain>(accountId).GetAsync();

    public static HttpRequestMessage Admin(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return request;
    }

    private Dictionary<string, string?> Settings()
    {
        var sim = Simulator.BaseUrl.ToString().TrimEnd('/');
        var usage = $"/_input-tokens/{InputTokens}/_output-tokens/{OutputTokens}";
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestSilo.Redis,
            ["Orleans:ClusterId"] = Silo.ClusterId,
            ["Orleans:ServiceId"] = Silo.ServiceId,
            ["Logging:LogLevel:Default"] = "Warning",
            // Traces are made only when exported (or asked for): the trace tests read them from this edge.
            ["Relay:Telemetry:Traces"] = "true",
            ["Relay:AdminToken"] = AdminToken,
            ["Relay:Users:SessionSecret"] = "edge-tests-session-secret-0123456789abcdef",
            ["Relay:Network:TrustedProxies:0"] = "127.0.0.1",
            // Every test calls from 127.0.0.1, and several on purpose with bad keys; the throttle has its own tests.
            ["Relay:Keys:FailedPermitLimit"] = "100000",
            ["Relay:Upstream:RetryDelay"] = "00:00:00.010",
            ["Relay:Upstream:IdleTimeout"] = "00:00:05",
            ["Relay:Upstream:Breaker:MinimumThroughput"] = "1000",
            ["Relay:Limits:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            // Test-only catalog entries whose upstream id differs from the name the client sends.
            ["Relay:Models:capture-claude:UpstreamModel"] = "claude-sonnet-4-5-20250929",
            ["Relay:Models:capture-claude:Aliases:0"] = "capture-claude-latest",
            ["Relay:Models:capture-claude:Provider"] = "anthropic",
            ["Relay:Models:capture-claude:Prices:Input"] = "3",
            ["Relay:Models:capture-claude:Prices:Output"] = "15",
            ["Relay:Models:capture-codex:UpstreamModel"] = "gpt-5.2-codex",
            ["Relay:Models:capture-codex:Aliases:0"] = "capture-codex-latest",
            ["Relay:Models:capture-codex:Provider"] = "openai",
            ["Relay:Models:capture-codex:Prices:Input"] = "1.75",
            ["Relay:Models:capture-codex:Prices:Output"] = "14",
            ["Relay:Models:overloaded-claude:Provider"] = "anthropic",
            ["Relay:Models:overloaded-claude:Prices:Input"] = "3",
            ["Relay:Models:overloaded-claude:Prices:Output"] = "15",
            ["Relay:Models:stalling-gpt:Provider"] = "openai",
            ["Relay:Models:stalling-gpt:Prices:Input"] = "1",
            ["Relay:Models:stalling-gpt:Prices:Output"] = "10",
        };
        // Translation: models whose channels make tool calls, and OpenAI channels that speak only one of its two APIs.
        foreach (var (id, provider, input, output) in new[] { ("tool-claude", "anthropic", "3", "15"), ("tool-gpt", "openai", "2.5", "15"), ("chat-only-gpt", "openai", "1", "10"), ("responses-only-gpt", "openai", "1.25", "10"), ("overloaded-sonnet", "anthropic", "3", "15") })
        {
            settings[$"Relay:Models:{id}:Provider"] = provider;
            settings[$"Relay:Models:{id}:Prices:Input"] = input;
            settings[$"Relay:Models:{id}:Prices:Output"] = output;
        }
        var channels = new (string Name, string Provider, string BaseUrl, int Priority, string[] Models)[]
        {
            ("anthropic-sim", "anthropic", sim + usage, 0, ["claude-sonnet-4-6", "claude-opus-4-8"]),
            ("tiny-sim", "anthropic", sim + $"/_first-byte-delay-ms/500/_input-tokens/1/_output-tokens/{OutputTokens}", 0, ["claude-haiku-4-5"]),
            ("broken", "anthropic", sim + "/_fault/status-500", 0, ["claude-opus-4-6"]),
            ("spare", "anthropic", sim + usage, 1, ["claude-opus-4-6"]),
            // The same as StoppableEdge's "paced": a stoppable edge on this harness's silo routes by this catalog.
            ("paced", "anthropic", sim + $"/_event-delay-ms/100/_input-tokens/{StoppableEdge.PacedInputTokens}/_output-tokens/{StoppableEdge.PacedOutputTokens}", 0, ["claude-opus-4-5"]),
            ("slow", "anthropic", sim + "/_event-delay-ms/100/_output-tokens/300", 0, ["claude-sonnet-4-5"]),
            ("openai-sim", "openai", sim + usage, 0, ["gpt-5.4", "gpt-5.3-codex", "gpt-6.2-sol"]),
            ("cutting", "openai", sim + "/_fault/cut-mid-stream/_output-tokens/40", 0, ["gpt-5-codex"]),
            ("glm-sim", "glm", sim + usage, 0, ["glm-5.1"]),
            ("dead", "glm", "http://127.0.0.1:1", 0, ["glm-5"]),
            ("overloaded", "anthropic", sim + "/_fault/status-529", 0, ["overloaded-claude"]),
            ("stalling", "openai", sim + "/_fault/stall/_output-tokens/40", 0, ["stalling-gpt"]),
            ("capture-anthropic", "anthropic", Capture.BaseUrl.ToString().TrimEnd('/'), 0, ["capture-claude"]),
            ("capture-openai", "openai", Capture.BaseUrl.ToString().TrimEnd('/'), 0, ["capture-codex"]),
            ("tools-anthropic", "anthropic", sim + usage + $"/_tool-calls/{ToolCalls}/_reasoning-tokens/{ReasoningTokens}", 0, ["tool-claude"]),
            ("tools-openai", "openai", sim + usage + $"/_tool-calls/{ToolCalls}/_reasoning-tokens/{ReasoningTokens}", 0, ["tool-gpt"]),
            ("chat-only", "openai", sim + usage, 0, ["chat-only-gpt"]),
            ("responses-only", "openai", sim + usage, 0, ["responses-only-gpt"]),
            ("overloaded-translated", "anthropic", sim + "/_fault/status-529", 0, ["overloaded-sonnet"]),
        };
        for (var i = 0; i < channels.Length; i++)
        {
            var (name, provider, baseUrl, priority, models) = channels[i];
            var prefix = $"Relay:Channels:{i}:";
            settings[prefix + "Name"] = name;
            settings[prefix + "Provider"] = provider;
            settings[prefix + "BaseUrl"] = baseUrl;
            settings[prefix + "ApiKey"] = "upstream-key-" + name;
            settings[prefix + "Priority"] = priority.ToString(CultureInfo.InvariantCulture);
            for (var m = 0; m < models.Length; m++)
            {
                settings[prefix + $"Models:{m}"] = models[m];
            }
            // An empty path removes the protocol from the channel.
            if (name == "chat-only")
            {
                settings[prefix + "Paths:OpenAIResponses"] = "";
            }
            else if (name == "responses-only")
            {
                settings[prefix + "Paths:OpenAIChat"] = "";
            }
        }
        return settings;
    }
}

[CollectionDefinition(Name)]
public sealed class SharedEdge : ICollectionFixture<EdgeHarness>
{
    public const string Name = "edge";
}
