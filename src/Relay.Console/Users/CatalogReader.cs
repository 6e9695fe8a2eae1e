using Relay.Catalog;
using Relay.Money;

namespace Relay.Console.Users;

/// <summary>One model's price per million tokens: the provider's list price and what Relay charges.</summary>
internal sealed record ModelPriceLine(string Id, string DisplayName, string Provider, Usd ListInput, Usd ListOutput, Usd? ListCacheRead,
    Usd OurInput, Usd OurOutput, Usd? OurCacheRead);

/// <summary>The catalog the edges charge by, read from the catalog grain (the operator edits it there).</summary>
internal sealed partial class CatalogReader(IGrainFactory grains, ILogger<CatalogReader> logger)
{
    public Task<CatalogView> GetAsync() => grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).GetAsync();

    /// <summary>The models and their prices, or null when the catalog cannot be read now (logged; the page says so plainly).</summary>
    public async Task<IReadOnlyList<ModelPriceLine>?> PricesAsync()
    {
        try
        {
            var catalog = await GetAsync();
            return [.. catalog.Models.OrderBy(m => m.Provider, StringComparer.Ordinal).ThenBy(m => m.Id, StringComparer.Ordinal).Select(Line)];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnreadable(e);
            return null;
        }
    }

    public static ModelPriceLine Line(ModelDefinition model)
    {
        var list = model.Pricing.List;
        return new ModelPriceLine(model.Id, model.DisplayName, model.Provider, list.Input, list.Output, list.CacheRead,
            Discounted(list.Input, model.Pricing.Discount), Discounted(list.Output, model.Pricing.Discount),
            list.CacheRead is { } read ? Discounted(read, model.Pricing.Discount) : null);
    }

    /// <summary>The price after the discount, exact (the catalog refuses a discount that would not be).</summary>
    public static Usd Discounted(Usd list, decimal discount) => Usd.FromDecimal(list.ToDecimal() * discount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The catalog could not be read")]
    private partial void LogUnreadable(Exception exception);
}
