using Microsoft.Extensions.Logging.Abstractions;
using Relay.Accounts;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Catalog;

public sealed class ModelCatalogTests
{
    [Fact]
    public void A_new_snapshot_changes_the_price_of_the_next_resolution_and_not_of_a_model_already_resolved()
    {
        var catalog = new ModelCatalog(NullLogger<ModelCatalog>.Instance);
        catalog.Apply(1, [Model("m", Prices(3m, 15m))]);
        var resolvedBefore = catalog.Resolve("m")!;

        catalog.Apply(2, [Model("m", Prices(3m, 30m))]);

        Assert.Equal(2, catalog.Version);
        Assert.Equal(Usd.FromDecimal(0.000018m), resolvedBefore.Price.Charge(new TokenUsage(1, 1)));
        Assert.Equal(Usd.FromDecimal(0.000033m), catalog.Resolve("m")!.Price.Charge(new TokenUsage(1, 1)));
    }

    [Fact]
    public void A_model_that_cannot_be_priced_exactly_is_left_out_and_the_others_stay()
    {
        var catalog = new ModelCatalog(NullLogger<ModelCatalog>.Instance);

        // 0.000000001 per million at 0.5 is half a nano-dollar: not exact.
        catalog.Apply(1, [Model("bad", new ModelPricing(new TokenPrices(new Usd(1), new Usd(1)), 0.5m, [])), Model("good", Prices(1m, 1m))]);

        Assert.Null(catalog.Resolve("bad"));
        Assert.NotNull(catalog.Resolve("good"));
    }

    [Fact]
    public void Aliases_and_case_resolve_to_the_model_and_the_discount_applies_to_every_kind()
    {
        var catalog = new ModelCatalog(NullLogger<ModelCatalog>.Instance);
        var pricing = new ModelPricing(
            new TokenPrices(Usd.FromDecimal(1m), Usd.FromDecimal(5m), Usd.FromDecimal(0.10m), Usd.FromDecimal(1.25m), Usd.FromDecimal(2m)), 0.9m, []);
        catalog.Apply(1, [Model("claude-haiku-4-5", pricing) with { Aliases = ["claude-haiku-4-5-20251001"] }]);

        var model = catalog.Resolve("Claude-Haiku-4-5-20251001");

        Assert.Equal("claude-haiku-4-5", model!.Id);
        // 0.9 x (1e6 x 1 + 1e6 x 5 + 1e6 x 0.10 + 1e6 x 1.25 + 1e6 x 2 + 1e6 x 5 (reasoning at output)) per million.
        Assert.Equal(Usd.FromDecimal(12.915m), model.Price.Charge(new TokenUsage(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000)));
        Assert.Null(catalog.Resolve("claude-haiku-9"));
    }

    [Fact]
    public void The_shipped_catalog_prices_every_model_it_lists()
    {
        foreach (var id in new[] { "gpt-5.4", "gpt-5.5", "gpt-6.2-sol", "gpt-5.3-codex", "claude-opus-4-8", "claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5", "glm-5.1", "glm-5", "gpt-5-codex", "claude-sonnet-4-5" })
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

    private static ModelPricing Prices(decimal input, decimal output) =>
        new(new TokenPrices(Usd.FromDecimal(input), Usd.FromDecimal(output)), 1m, []);

    private static ModelDefinition Model(string id, ModelPricing pricing) => new(id, id, "anthropic", null, [], pricing, null);
}
