using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;

namespace Relay.EdgeApi.Hosting;

/// <summary>Everything under the <c>Relay</c> configuration section. docs/configuration.md lists each setting.</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>Bearer token of the admin API; the admin API answers 404 while it is empty.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// The local port of the edge's internal listener, which alone serves <c>/admin</c> and the Prometheus scrape.
    /// The edge must also listen on it (ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS). Unset: neither is served.
    /// </summary>
    public int? InternalPort { get; set; }

    public KeyOptions Keys { get; set; } = new();

    public LimitOptions Limits { get; set; } = new();

    public AdmissionOptions Admission { get; set; } = new();

    public DeviceOptions Devices { get; set; } = new();

    public NetworkOptions Network { get; set; } = new();

    public UpstreamOptions Upstream { get; set; } = new();

    public SettlementOptions Settlement { get; set; } = new();

    public ShutdownOptions Shutdown { get; set; } = new();

    public FeatureOptions Features { get; set; } = new();

    public CatalogOptions Catalog { get; set; } = new();

    /// <summary>Channels that seed an empty cluster catalog.</summary>
    public List<ChannelOptions> Channels { get; set; } = [];

    /// <summary>Models keyed by model id, that seed an empty cluster catalog.</summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class CatalogOptions
{
    /// <summary>How often the edge asks the cluster whether the catalog changed (one small grain call).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class KeyOptions
{
    /// <summary>How long a resolved key is trusted before its grain is asked again; bounds how late a revocation takes effect.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an unknown or revoked key is remembered as such, so repeating it costs no lookup. Zero: not remembered.</summary>
    public TimeSpan MissCacheFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed key checks one client address may make per <see cref="FailedWindow"/> before it gets 429.</summary>
    public int FailedPermitLimit { get; set; } = 30;

    public TimeSpan FailedWindow { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class LimitOptions
{
    /// <summary>Largest request body accepted (413 above it). Anthropic's own limit is 32 MB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Bytes all request bodies held by this edge may take together (read so far, and kept while their calls run).
    /// A body that would go past it is refused with 503 and Retry-After, before more of it is read.
    /// </summary>
    public long MaxBufferedBodyBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest body <c>POST /v1/messages/count_tokens</c> accepts (413 above it): the tokenizer runs on the edge.</summary>
    public long MaxCountTokensBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Token counts one account may ask for per minute (429 beyond).</summary>
    public int CountTokensPerMinute { get; set; } = 60;
}

public sealed class AdmissionOptions
{
    /// <summary>Output tokens reserved for a call that does not say its maximum.</summary>
    public long DefaultOutputTokens { get; set; } = 4096;
}

public sealed class DeviceOptions
{
    /// <summary>Whether a client may name its device with <see cref="HeaderName"/> instead of being known by its address.</summary>
    public bool TrustDeviceHeader { get; set; } = true;

    public string HeaderName { get; set; } = "x-relay-device";
}

public sealed class NetworkOptions
{
    /// <summary>Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. Empty: none.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

public sealed class UpstreamOptions
{
    /// <summary>A call fails when the upstream sends nothing for this long; the clock restarts on every read.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long a non-streamed call may wait for its answer to begin. Such a wait is not retried: the upstream may
    /// still be working on (and billing) the call.
    /// </summary>
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before the first byte reaches the client, across channels (1 = no retry).</summary>
    public int MaxAttempts { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public BreakerOptions Breaker { get; set; } = new();
}

public sealed class BreakerOptions
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

public sealed class SettlementOptions
{
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long the edge keeps trying to settle one call before it leaves the reservation to expire.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(2);
}

public sealed class ShutdownOptions
{
    /// <summary>
    /// How long an edge told to stop lets its open calls run on; a call still open after it is cut and settled
    /// with what was metered (or an estimate).
    /// </summary>
    /// <remarks>With <see cref="SettleTimeout"/>, 30 s: within docker-compose's 35 s stop grace period for edges.</remarks>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// How long after the drain the edge may still spend settling the calls it cut (a settlement takes
    /// milliseconds while the cluster answers). The host's shutdown timeout is raised to at least
    /// <see cref="DrainTimeout"/> plus this.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Which upstream features a call may use (docs/configuration.md, "Billable features"). Each list, when set, replaces
/// its default whole; unset, the default holds: what Claude Code and Codex send that costs only tokens, and web search,
/// which Relay prices per search.
/// </summary>
public sealed class FeatureOptions
{
    /// <summary>The <c>anthropic-beta</c> values current Claude Code sends that bill nothing beyond tokens.</summary>
    public static readonly IReadOnlyList<string> DefaultAnthropicBetas =
    [
        "claude-code-20250219",
        "interleaved-thinking-2025-05-14",
        "thinking-token-count-2026-05-13",
        "context-management-2025-06-27",
        "prompt-caching-scope-2026-01-05",
        "mid-conversation-system-2026-04-07",
        "effort-2025-11-24",
        "structured-outputs-2025-11-13",
        "structured-outputs-2025-12-15",
        "fine-grained-tool-streaming-2025-05-14",
        "token-efficient-tools-2025-02-19",
        "redact-thinking-2026-02-12",
        "extended-cache-ttl-2025-04-11",
        "web-search-2025-03-05",
    ];

    /// <summary>
    /// The 1M-token context beta on the models whose whole window costs the standard price (the beta is accepted and
    /// ignored there). On a model that prices long prompts higher it stays refused until the catalog prices those tiers.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, List<string>> DefaultModelBetas = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase)
    {
        ["claude-opus-4-8"] = ["context-1m-2025-08-07"],
        ["claude-opus-4-6"] = ["context-1m-2025-08-07"],
        ["claude-sonnet-4-6"] = ["context-1m-2025-08-07"],
    };

    public static readonly IReadOnlyList<string> DefaultOpenAIBetas = ["responses=experimental"];

    /// <summary>Request-body features: server tools as <c>tool:&lt;family&gt;</c>, tiers and regions as <c>field:value</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultBody =
    [
        "tool:web_search",
        "tool:web_fetch",
        "service_tier:auto",
        "service_tier:default",
        "service_tier:standard_only",
        "speed:standard",
        "inference_geo:global",
    ];

    /// <summary><c>anthropic-beta</c> values allowed for every model.</summary>
    public List<string> AnthropicBetas { get; set; } = [];

    /// <summary><c>anthropic-beta</c> values allowed for one model (by catalog id), beside <see cref="AnthropicBetas"/>.</summary>
    public Dictionary<string, List<string>> ModelBetas { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>OpenAI-Beta</c> values allowed.</summary>
    public List<string> OpenAIBetas { get; set; } = [];

    /// <summary>Request-body features allowed (see <see cref="DefaultBody"/>).</summary>
    public List<string> Body { get; set; } = [];

    /// <summary>What a web search costs the account, USD per 1,000 (Anthropic's and OpenAI's list price is 10).</summary>
    public decimal WebSearchUsdPerThousand { get; set; } = 10m;

    public IReadOnlyList<string> AnthropicBetasOrDefault() => AnthropicBetas.Count > 0 ? AnthropicBetas : DefaultAnthropicBetas;

    public IReadOnlyDictionary<string, List<string>> ModelBetasOrDefault() => ModelBetas.Count > 0 ? ModelBetas : DefaultModelBetas;

    public IReadOnlyList<string> OpenAIBetasOrDefault() => OpenAIBetas.Count > 0 ? OpenAIBetas : DefaultOpenAIBetas;

    public IReadOnlyList<string> BodyOrDefault() => Body.Count > 0 ? Body : DefaultBody;
}
