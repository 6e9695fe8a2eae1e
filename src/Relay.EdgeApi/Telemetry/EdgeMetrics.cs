using System.Diagnostics;
using System.Diagnostics.Metrics;
using Relay.Accounts;

namespace Relay.EdgeApi.Telemetry;

/// <summary>The edge's own instruments, on the meter "Relay.Edge".</summary>
public sealed class EdgeMetrics
{
    public const string MeterName = "Relay.Edge";
    public const string ActivitySourceName = "Relay.Edge";

    private readonly Histogram<long> _tokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _chargedNanos;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _settlementFailures;

    public EdgeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _tokens = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens used by a relayed call, by token type.");
        _timeToFirstToken = meter.CreateHistogram<double>("relay.edge.time_to_first_token", "s", "Time from the request to the first body byte relayed to the client.");
        _chargedNanos = meter.CreateCounter<long>("relay.edge.charged", "nUSD", "Amount charged to accounts, in nano-dollars.");
        _refusals = meter.CreateCounter<long>("relay.edge.refusals", "{call}", "Calls refused before reaching an upstream, by reason.");
        _upstreamErrors = meter.CreateCounter<long>("relay.edge.upstream.errors", "{error}", "Failed upstream attempts, by channel and kind.");
        _settlementFailures = meter.CreateCounter<long>("relay.edge.settlement.failures", "{call}", "Calls whose settlement could not be posted; their reservation expires.");
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
                _tokens.Record(tokens, new("gen_ai.token.type", type), new("gen_ai.request.model", model), new("gen_ai.provider.name", provider));
            }
        }
    }

    public void RecordTimeToFirstToken(string model, TimeSpan elapsed) =>
        _timeToFirstToken.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("gen_ai.request.model", model));

    public void RecordCharge(string model, long nanos) =>
        _chargedNanos.Add(nanos, new KeyValuePair<string, object?>("gen_ai.request.model", model));

    public void RecordRefusal(string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordUpstreamError(string channel, string kind) =>
        _upstreamErrors.Add(1, new("channel", channel), new("kind", kind));

    public void RecordSettlementFailure() => _settlementFailures.Add(1);
}
