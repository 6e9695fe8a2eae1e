using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Catalog;

public sealed class ChannelRouterTests
{
    [Fact]
    public async Task A_channel_whose_circuit_opened_is_tried_after_healthy_ones_whatever_its_priority()
    {
        var (router, model) = Router();
        Assert.Equal(["first", "second", "glm"], router.RoutesFor(model, WireProtocol.AnthropicMessages).Select(r => r.Channel.Name));

        var first = router.RoutesFor(model, WireProtocol.AnthropicMessages)[0];
        for (var i = 0; i < 2; i++)
        {
            using var failed = await first.Breaker.ExecuteAsync(_ => ValueTask.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)));
        }

        Assert.True(first.IsOpen);
        Assert.Equal(["second", "glm", "first"], router.RoutesFor(model, WireProtocol.AnthropicMessages).Select(r => r.Channel.Name));
    }

    [Fact]
    public void Only_channels_that_speak_the_client_protocol_are_routes()
    {
        var (router, model) = Router();

        Assert.Empty(router.RoutesFor(model, WireProtocol.OpenAIResponses));
        Assert.Equal(["glm"], router.RoutesFor(model, WireProtocol.OpenAIChat).Select(r => r.Channel.Name));
    }

    [Fact]
    public void Glm_paths_are_relative_to_the_channel_base_url()
    {
        var channel = UpstreamChannel.From(Channel("glm", "glm", "https://open.bigmodel.cn/", 0, ["m"]));

        Assert.Equal("https://open.bigmodel.cn/api/paas/v4/chat/completions", channel.EndpointFor(WireProtocol.OpenAIChat, null).ToString());
        Assert.Equal("https://open.bigmodel.cn/api/anthropic/v1/messages?beta=true", channel.EndpointFor(WireProtocol.AnthropicMessages, "?beta=true").ToString());
    }

    [Fact]
    public void A_channel_without_a_model_list_serves_every_catalog_model_of_its_provider_and_no_other()
    {
        var router = NewRouter();
        router.Apply([Channel("anthropic-all", "anthropic", "http://127.0.0.1:1", 0, [])]);

        Assert.Equal(["anthropic-all"], router.RoutesFor(Model("claude-new", "anthropic"), WireProtocol.AnthropicMessages).Select(r => r.Channel.Name));
        Assert.Empty(router.RoutesFor(Model("gpt-new", "openai"), WireProtocol.OpenAIChat));
        Assert.False(router.CanServe(Model("glm-new", "glm"), WireProtocol.AnthropicMessages));
    }

    [Fact]
    public void A_disabled_channel_is_not_a_route()
    {
        var router = NewRouter();
        router.Apply([Channel("off", "anthropic", "http://127.0.0.1:1", 0, ["m"]) with { Channel = Channel("off", "anthropic", "http://127.0.0.1:1", 0, ["m"]).Channel with { Enabled = false } },
            Channel("on", "anthropic", "http://127.0.0.1:2", 1, ["m"])]);

        Assert.Equal(["on"], router.RoutesFor(Model("m", "anthropic"), WireProtocol.AnthropicMessages).Select(r => r.Channel.Name));
    }

    [Fact]
    public async Task A_new_snapshot_keeps_the_circuit_of_an_unchanged_channel_and_drops_that_of_a_channel_whose_key_rotated()
    {
        var (router, model) = Router();
        var first = router.RoutesFor(model, WireProtocol.AnthropicMessages)[0];
        for (var i = 0; i < 2; i++)
        {
            using var failed = await first.Breaker.ExecuteAsync(_ => ValueTask.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)));
        }
        Assert.True(first.IsOpen);

        router.Apply(Channels());
        Assert.Equal("first", router.RoutesFor(model, WireProtocol.AnthropicMessages)[^1].Channel.Name);

        router.Apply([.. Channels().Select(c => c.Channel.Name == "first" ? c with { ApiKey = "rotated" } : c)]);
        var routes = router.RoutesFor(model, WireProtocol.AnthropicMessages);
        Assert.Equal(["first", "second", "glm"], routes.Select(r => r.Channel.Name));
        Assert.Equal("rotated", routes[0].Channel.ApiKey);
        Assert.False(routes[0].IsOpen);
    }

    private static (ChannelRouter Router, CatalogModel Model) Router()
    {
        var router = NewRouter();
        router.Apply(Channels());
        return (router, Model("m", "anthropic"));
    }

    private static KeyedChannel[] Channels() =>
    [
        Channel("first", "anthropic", "http://127.0.0.1:1", 0, ["m"]),
        Channel("second", "anthropic", "http://127.0.0.1:2", 1, ["m"]),
        Channel("glm", "glm", "http://127.0.0.1:3", 5, ["m"]),
    ];

    private static ChannelRouter NewRouter()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Relay:Upstream:Breaker:MinimumThroughput"] = "2",
            ["Relay:Upstream:Breaker:FailureRatio"] = "0.5",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.Section));
        var options = services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<RelayOptions>>();
        return new ChannelRouter(options, NullLogger<ChannelRouter>.Instance);
    }

    private static KeyedChannel Channel(string name, string provider, string baseUrl, int priority, string[] models) =>
        new(new ChannelDefinition(name, provider, baseUrl, models, priority, 1, new Dictionary<string, string>(), new Dictionary<string, string>(), Enabled: true), "key-" + name);

    private static CatalogModel Model(string id, string provider) =>
        ModelCatalog.From(new ModelDefinition(id, id, provider, null, [], new ModelPricing(new TokenPrices(Usd.FromDecimal(1m), Usd.FromDecimal(1m)), 1m, []), null));
}
