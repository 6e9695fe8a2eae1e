using System.Diagnostics;
using System.Diagnostics.Metrics;
using Relay.Accounts;
using Relay.EdgeApi.Catalog;

namespace Relay.EdgeApi.Telemetry;

/// <summary>
/// The edge's own instruments, on the meter "Relay.Edge". GenAI instruments follow the OpenTelemetry GenAI
/// semantic conventions (names, units, attributes and bucket boundaries); Relay's own are named <c>relay.edge.*</c>.
/// </summary>
public sealed class EdgeMetrics
{
    public const string MeterName = "Relay.Edge";
    public const string ActivitySourceName = "Relay.Edge";

    /// <summary>Every API Relay serves (Messages, Chat Completions, Responses) is a chat-style generation.</summary>
    private const string Operation = "chat";

    private static readonly long[] s_tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] s_firstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] s_operationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] s_settlementBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    /// <summary>
    /// One meter for the process, never disposed. Edges are one per process in production; tests run several
    /// in one, and a meter per host made the OpenTelemetry SDK drop a series every host shares when any one
    /// host was disposed.
    /// </summary>
    private static readonly Meter s_meter = new(MeterName);

    private static readonly Histogram<long> s_tokens = s_meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Tokens used by a relayed call, by token type.",
        tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_tokenBuckets });

    private static readonly Histogram<double> s_timeToFirstToken = s_meter.CreateHistogram("gen_ai.server.time_to_first_token", "s",
        "Time from the client's request to the first body byte relayed back to it.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_firstTokenBuckets });

    private static readonly Histogram<double> s_upstreamDuration = s_meter.CreateHistogram("gen_ai.client.operation.duration", "s",
        "Upstream call duration, from the first attempt to the end of the answer.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_operationBuckets });

    private static readonly Histogram<double> s_settlementLag = s_meter.CreateHistogram("relay.edge.settlement.lag", "s",
        "Time from the end of the upstream answer to the account grain acknowledging the settlement.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_settlementBuckets });

    private static readonly Counter<long> s_chargedNanos = s_meter.CreateCounter<long>("relay.edge.charged", "nUSD", "Amount charged to accounts, in nano-dollars.");
    private static readonly Counter<long> s_refusals = s_meter.CreateCounter<long>("relay.edge.refusals", "{call}", "Calls refused before reaching an upstream, by reason.");
    private static readonly Counter<long> s_upstreamErrors = s_meter.CreateCounter<long>("relay.edge.upstream.errors", "{error}", "Failed upstream attempts, by channel and kind.");
    private static readonly Counter<long> s_settlementFailures = s_meter.CreateCounter<long>("relay.edge.settlement.failures", "{call}",
        "Calls whose settlement could not be posted; their reservation expires.");

    private readonly ModelCatalog _catalog;

    public EdgeMetrics(ModelCatalog catalog)
    {
        _catalog = catalog;
    }

    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName);

    public void RecordUsage(string model, string provider, TokenUsage usage)
    {
        Record("input", usage.InputTokens);
        Record("output", usage.OutputTokens);
        Record("cache_read", usage.CacheReadTokens);
        Record("cache_write_5m", usage.CacheWrite5mTokens);
        Record("cache_write_1h", usage.CacheWrite1hTokens);
        Record("reasoning", usage.ReasoningTokens);

        void Record(string type, long tokens)
        {
            if (tokens > 0)
            {
                s_tokens.Record(tokens, GenAi(model, provider, new("gen_ai.token.type", type)));
            }
        }
    }

    /// <summary>The provider comes from the catalog, so the relay passes only the model it resolved.</summary>
    public void RecordTimeToFirstToken(string model, TimeSpan elapsed) =>
        s_timeToFirstToken.Record(elapsed.TotalSeconds, GenAi(model, _catalog.Resolve(model)?.Provider ?? "relay"));

    /// <summary>One call's time upstream, across its attempts; <paramref name="errorType"/> is null when it succeeded.</summary>
    public void RecordUpstreamCall(string model, string provider, TimeSpan elapsed, string? errorType)
    {
        var tags = GenAi(model, provider);
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }
        s_upstreamDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordSettlementLag(TimeSpan lag, PostingOutcome outcome) =>
        s_settlementLag.Record(lag.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void RecordCharge(string model, long nanos) =>
        s_chargedNanos.Add(nanos, new KeyValuePair<string, object?>("gen_ai.request.model", model));

    public void RecordRefusal(string reason) =>
        s_refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordUpstreamError(string channel, string kind) =>
        s_upstreamErrors.Add(1, new("channel", channel), new("kind", kind));

    public void RecordSettlementFailure() => s_settlementFailures.Add(1);

    private static TagList GenAi(string model, string provider) => new()
    {
        { "gen_ai.operation.name", Operation },
        { "gen_ai.provider.name", provider },
        { "gen_ai.request.model", model },
    };

    private static TagList GenAi(string model, string provider, KeyValuePair<string, object?> extra)
    {
        var tags = GenAi(model, provider);
        tags.Add(extra);
        return tags;
    }
}
