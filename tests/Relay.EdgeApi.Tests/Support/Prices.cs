using Microsoft.Extensions.Configuration;
using Relay.EdgeApi.Catalog;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>Prices as the shipped appsettings.json configures them.</summary>
public static class Prices
{
    private static readonly Lazy<IReadOnlyDictionary<string, ModelPrice>> s_prices = new(Load);

    public static ModelPrice Of(string modelId) => s_prices.Value[modelId];

    private static Dictionary<string, ModelPrice> Load()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Relay.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Relay.sln not found.");
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root.FullName, "src", "Relay.EdgeApi", "appsettings.json"))
            .Build();
        var models = new Dictionary<string, ModelOptions>();
        ConfigurationBinder.Bind(configuration.GetSection("Relay:Models"), models);
        return models.ToDictionary(pair => pair.Key, pair => ModelPrice.From(pair.Value.Prices, pair.Value.Discount));
    }
}
