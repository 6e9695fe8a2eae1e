using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;

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
        var channel = UpstreamChannel.From(new ChannelOptions { Name = "glm", Provider = "glm", BaseUrl = "https://open.bigmodel.cn/", Models = ["m"] });

        Assert.Equal("https://open.bigmodel.cn/api/paas/v4/chat/completions", channel.EndpointFor(WireProtocol.OpenAIChat, null).ToString());
        Assert.Equal("https://open.bigmodel.cn/api/anthropic/v1/messages?beta=true", channel.EndpointFor(WireProtocol.AnthropicMessages, "?beta=true").ToString());
    }

    private static (ChannelRouter Router, CatalogModel Model) Router()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Relay:Upstream:Breaker:MinimumThroughput"] = "2",
            ["Relay:Upstream:Breaker:FailureRatio"] = "0.5",
            ["Relay:Channels:0:Name"] = "first",
            ["Relay:Channels:0:Provider"] = "anthropic",
            ["Relay:Channels:0:BaseUrl"] = "http://127.0.0.1:1",
            ["Relay:Channels:0:Priority"] = "0",
            ["Relay:Channels:0:Models:0"] = "m",
            ["Relay:Channels:1:Name"] = "second",
            ["Relay:Channels:1:Provider"] = "anthropic",
            ["Relay:Channels:1:BaseUrl"] = "http://127.0.0.1:2",
            ["Relay:Channels:1:Priority"] = "1",
            ["Relay:Channels:1:Models:0"] = "m",
            ["Relay:Channels:2:Name"] = "glm",
            ["Relay:Channels:2:Provider"] = "glm",
            ["Relay:Channels:2:BaseUrl"] = "http://127.0.0.1:3",
            ["Relay:Channels:2:Priority"] = "5",
            ["Relay:Channels:2:Models:0"] = "m",
            ["Relay:Models:m:Prices:Input"] = "1",
            ["Relay:Models:m:Prices:Output"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.Section));
        var options = services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<RelayOptions>>();
        var catalog = new ModelCatalog(options, NullLogger<ModelCatalog>.Instance);
        return (new ChannelRouter(options, NullLogger<ChannelRouter>.Instance), catalog.Resolve("m")!);
    }
}
