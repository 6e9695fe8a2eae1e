using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
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
/// first), then a weighted shuffle among equals. Channels come from <c>Relay:Channels</c> and follow its changes.
/// </summary>
public sealed class ChannelRouter : IDisposable
{
    private readonly IOptionsMonitor<RelayOptions> _options;
    private readonly ILogger<ChannelRouter> _logger;
    private readonly ConcurrentDictionary<string, ChannelRoute> _routes = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;
    private volatile List<UpstreamChannel> _channels;

    public ChannelRouter(IOptionsMonitor<RelayOptions> options, ILogger<ChannelRouter> logger)
    {
        _options = options;
        _logger = logger;
        _channels = Build(options.CurrentValue);
        _subscription = options.OnChange(value =>
        {
            try
            {
                _channels = Build(value);
                _routes.Clear();
                Log.ChannelsReloaded(_logger, _channels.Count);
            }
            catch (InvalidOperationException ex)
            {
                Log.ChannelsRejected(_logger, ex);
            }
        });
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

    public void Dispose() => _subscription?.Dispose();

    private ChannelRoute RouteOf(UpstreamChannel channel) => _routes.GetOrAdd(channel.Name, _ => CreateRoute(channel));

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

    private static List<UpstreamChannel> Build(RelayOptions options)
    {
        var channels = options.Channels.Select(UpstreamChannel.From).ToList();
        var duplicate = channels.GroupBy(channel => channel.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two channels are named '{duplicate.Key}'.");
        }
        return channels;
    }
}
