using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Channels;

/// <summary>A channel with the circuit breaker that guards it.</summary>
public sealed record ChannelRoute(UpstreamChannel Channel, ResiliencePipeline<HttpResponseMessage> Breaker, CircuitBreakerStateProvider State)
{
    public bool IsOpen => State.CircuitState is CircuitState.Open or CircuitState.Isolated;
}

/// <summary>
/// Chooses the channels for a call, in the order to try them: closed circuits first, then by priority (lower
/// first), then a weighted shuffle among equals. Channels come from the cluster's catalog (<see cref="ClusterCatalog"/>
/// applies each new version); disabled ones are not routed to.
/// </summary>
public sealed class ChannelRouter
{
    private readonly IOptionsMonitor<RelayOptions> _options;
    private readonly ILogger<ChannelRouter> _logger;
    // Keyed by the channel object: a channel that changed is a new object with a new breaker, while a call that began
    // before the change finishes on the route it had.
    private readonly ConcurrentDictionary<UpstreamChannel, ChannelRoute> _routes = new(ReferenceEqualityComparer.Instance);
    private volatile List<UpstreamChannel> _channels = [];
    private Dictionary<string, (KeyedChannel Keyed, UpstreamChannel Channel)> _applied = new(StringComparer.Ordinal);

    public ChannelRouter(IOptionsMonitor<RelayOptions> options, ILogger<ChannelRouter> logger)
    {
        _options = options;
        _logger = logger;
    }

    public IReadOnlyList<UpstreamChannel> Channels => _channels;

    /// <summary>Whether any channel serves the model over the protocol.</summary>
    public bool CanServe(CatalogModel model, WireProtocol protocol) => _channels.Any(channel => channel.Serves(model, protocol));

    /// <summary>
    /// The protocol to send a client's call in: the client's own when a channel speaks it for the model (GLM's
    /// Anthropic-style API stays native), else the first the model is served in by <see cref="TranslationOrder"/>;
    /// null when no channel serves the model at all.
    /// </summary>
    public WireProtocol? UpstreamProtocolFor(CatalogModel model, WireProtocol client)
    {
        if (CanServe(model, client))
        {
            return client;
        }
        foreach (var upstream in TranslationOrder(client))
        {
            if (CanServe(model, upstream))
            {
                return upstream;
            }
        }
        return null;
    }

    /// <summary>
    /// Which protocol to translate to, best first: a Messages client goes to Responses before chat (it carries
    /// reasoning summaries back as thinking); chat and Responses clients go to Messages before each other, so that
    /// Responses to chat is used only where a provider speaks nothing else.
    /// </summary>
    public static IReadOnlyList<WireProtocol> TranslationOrder(WireProtocol client) => client switch
    {
        WireProtocol.AnthropicMessages => [WireProtocol.OpenAIResponses, WireProtocol.OpenAIChat],
        WireProtocol.OpenAIChat => [WireProtocol.AnthropicMessages, WireProtocol.OpenAIResponses],
        _ => [WireProtocol.AnthropicMessages, WireProtocol.OpenAIChat],
    };

    /// <summary>The routes to try for a call, best first.</summary>
    public IReadOnlyList<ChannelRoute> RoutesFor(CatalogModel model, WireProtocol protocol)
    {
        var routes = _channels.Where(channel => channel.Serves(model, protocol)).Select(RouteOf).ToList();
        var shuffled = new List<ChannelRoute>(routes.Count);
        foreach (var group in routes.GroupBy(route => (route.IsOpen, route.Channel.Priority)).OrderBy(group => group.Key.IsOpen).ThenBy(group => group.Key.Priority))
        {
            shuffled.AddRange(WeightedShuffle(group.ToList()));
        }
        return shuffled;
    }

    /// <summary>
    /// Replaces the channels with the enabled ones of a catalog snapshot. A channel whose settings and key did not
    /// change keeps its circuit breaker; a changed or removed one loses it. A channel that cannot be called is left
    /// out and logged.
    /// </summary>
    public void Apply(IReadOnlyList<KeyedChannel> catalogChannels)
    {
        lock (_routes)
        {
            var channels = new List<UpstreamChannel>();
            var applied = new Dictionary<string, (KeyedChannel Keyed, UpstreamChannel Channel)>(StringComparer.Ordinal);
            foreach (var keyed in catalogChannels.Where(keyed => keyed.Channel.Enabled))
            {
                try
                {
                    var channel = _applied.TryGetValue(keyed.Channel.Name, out var before) && SameChannel(before.Keyed, keyed)
                        ? before.Channel
                        : UpstreamChannel.From(keyed);
                    channels.Add(channel);
                    applied[keyed.Channel.Name] = (keyed, channel);
                }
                catch (InvalidOperationException ex)
                {
                    Log.ChannelsRejected(_logger, ex);
                }
            }
            var kept = channels.ToHashSet(ReferenceEqualityComparer.Instance);
            foreach (var channel in _routes.Keys.Where(channel => !kept.Contains(channel)))
            {
                _routes.TryRemove(channel, out _);
            }
            _applied = applied;
            _channels = channels;
            Log.ChannelsReloaded(_logger, channels.Count);
        }
    }

    // Catalog records hold lists, which records compare by reference; two snapshots of one channel compare by value.
    private static bool SameChannel(KeyedChannel a, KeyedChannel b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b);

    private ChannelRoute RouteOf(UpstreamChannel channel) => _routes.GetOrAdd(channel, CreateRoute);

    private ChannelRoute CreateRoute(UpstreamChannel channel)
    {
        var breaker = _options.CurrentValue.Upstream.Breaker;
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = Math.Max(2, breaker.MinimumThroughput),
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                StateProvider = state,
                ShouldHandle = args => ValueTask.FromResult(UpstreamFailures.IsTransient(args.Outcome)),
                OnOpened = args =>
                {
                    Log.CircuitOpened(_logger, channel.Name, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return new ChannelRoute(channel, pipeline, state);
    }

    private static IEnumerable<ChannelRoute> WeightedShuffle(List<ChannelRoute> routes)
    {
        while (routes.Count > 0)
        {
            var total = routes.Sum(route => route.Channel.Weight);
            var pick = Random.Shared.Next(total);
            var index = 0;
            while (pick >= routes[index].Channel.Weight)
            {
                pick -= routes[index].Channel.Weight;
                index++;
            }
            yield return routes[index];
            routes.RemoveAt(index);
        }
    }
}
