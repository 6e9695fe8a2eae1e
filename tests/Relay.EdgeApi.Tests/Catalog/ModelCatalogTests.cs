using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Hosting;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Catalog;

public sealed class ModelCatalogTests
{
    [Fact]
    public void A_price_change_applies_without_a_restart()
    {
        var (configuration, catalog) = Catalog(new() { ["Relay:Models:m:Prices:Input"] = "3", ["Relay:Models:m:Prices:Output"] = "15" });
        Assert.Equal(Usd.FromDecimal(0.000018m), catalog.Resolve("m")!.Price.Charge(new TokenUsage(1, 1)));

        configuration["Relay:Models:m:Prices:Output"] = "30";
        configuration.Reload();

        Assert.Equal(Usd.FromDecimal(0.000033m), catalog.Resolve("m")!.Price.Charge(new TokenUsage(1, 1)));
    }

    [Fact]
    public void A_change_that_does_not_validate_leaves_the_previous_catalog_in_force()
    {
        var (configuration, catalog) = Catalog(new() { ["Relay:Models:m:Prices:Input"] = "3", ["Relay:Models:m:Prices:Output"] = "15" });

        configuration["Relay:Models:m:Discount"] = "1.5";
        configuration.Reload();

        Assert.Equal(Usd.FromDecimal(0.000018m), catalog.Resolve("m")!.Price.Charge(new TokenUsage(1, 1)));
    }

    [Fact]
    public void Aliases_and_case_resolve_to_the_model_and_the_discount_applies_to_every_kind()
    {
        var (_, catalog) = Catalog(new()
        {
            ["Relay:Models:claude-haiku-4-5:Aliases:0"] = "claude-haiku-4-5-20251001",
            ["Relay:Models:claude-haiku-4-5:Prices:Input"] = "1",
            ["Relay:Models:claude-haiku-4-5:Prices:Output"] = "5",
            ["Relay:Models:claude-haiku-4-5:Prices:CacheRead"] = "0.10",
            ["Relay:Models:claude-haiku-4-5:Prices:CacheWrite5m"] = "1.25",
            ["Relay:Models:claude-haiku-4-5:Prices:CacheWrite1h"] = "2",
            ["Relay:Models:claude-haiku-4-5:Discount"] = "0.9",
        });

        var model = catalog.Resolve("Claude-Haiku-4-5-20251001");

        Assert.Equal("claude-haiku-4-5", model!.Id);
        // 0.9 x (1e6 x 1 + 1e6 x 5 + 1e6 x 0.10 + 1e6 x 1.25 + 1e6 x 2 + 1e6 x 5 (reasoning at output)) per million.
        Assert.Equal(Usd.FromDecimal(12.915m), model.Price.Charge(new TokenUsage(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000)));
        Assert.Null(catalog.Resolve("claude-haiku-9"));
    }

    [Fact]
    public void The_shipped_catalog_prices_every_model_it_lists()
    {
        foreach (var id in new[] { "gpt-5.4", "gpt-5.3-codex", "claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5", "glm-5.1", "glm-5", "gpt-5-codex", "claude-sonnet-4-5" })
        {
            Assert.True(Support.Prices.Of(id).Output.IsPositive, id);
        }
    }

    [Fact]
    public void The_shipped_catalog_serves_claude_codes_default_model_at_its_list_price()
    {
        // Claude Code 2.1 asks for claude-opus-4-8 unless told otherwise: $5 / $25 per million tokens, less 10%.
        var price = Support.Prices.Of("claude-opus-4-8");

        Assert.Equal(Usd.FromDecimal(4.5m), price.Charge(new TokenUsage(1_000_000, 0)));
        Assert.Equal(Usd.FromDecimal(22.5m), price.Charge(new TokenUsage(0, 1_000_000)));
    }

    private static (IConfigurationRoot Configuration, ModelCatalog Catalog) Catalog(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.Section));
        var provider = services.BuildServiceProvider();
        return (configuration, new ModelCatalog(provider.GetRequiredService<IOptionsMonitor<RelayOptions>>(), NullLogger<ModelCatalog>.Instance));
    }
}
