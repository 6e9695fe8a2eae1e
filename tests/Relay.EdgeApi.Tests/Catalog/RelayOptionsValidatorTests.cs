using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Tests.Catalog;

public sealed class RelayOptionsValidatorTests
{
    [Fact]
    public void The_edge_refuses_to_start_with_a_channel_it_cannot_call_or_a_price_it_cannot_charge()
    {
        var options = new RelayOptions
        {
            Channels = [new ChannelOptions { Name = "x", Provider = "mistral", BaseUrl = "https://example.com", ApiKey = "k", Models = ["m"] }],
            Models = new() { ["m"] = new ModelOptions { Provider = "anthropic", Prices = new() { Input = 1, Output = 1 }, Discount = 0 } },
        };

        var result = RelayOptionsValidator.Validate(options);

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains(result.Failures!, failure => failure.Contains("Provider must be anthropic, openai or glm", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Relay:Models:m:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_settings_validate()
    {
        var shipped = Support.Prices.ShippedOptions();

        Assert.True(RelayOptionsValidator.Validate(shipped).Succeeded);
        Assert.Equal(14, shipped.Models.Count);
    }
}
