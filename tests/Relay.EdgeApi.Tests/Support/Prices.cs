using Microsoft.Extensions.Configuration;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Hosting;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>Prices as the shipped appsettings.json configures them (what seeds an empty cluster catalog).</summary>
public static class Prices
{
    private static readonly Lazy<IReadOnlyDictionary<string, ModelPrice>> s_prices = new(Load);

    public static ModelPrice Of(string modelId) => s_prices.Value[modelId];

    /// <summary>The <c>Relay</c> section of the shipped appsettings.json.</summary>
    public static RelayOptions ShippedOptions()
    {
        var options = new RelayOptions();
        ShippedSettings().GetSection(RelayOptions.Section).Bind(options);
        return options;
    }

    private static IConfigurationRoot ShippedSettings()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Relay.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Relay.sln not found.");
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root.FullName, "src", "Relay.EdgeApi", "appsettings.json"))
            .Build();
        return configuration;
    }

    private static Dictionary<string, ModelPrice> Load() =>
        ShippedOptions().Models.ToDictionary(pair => pair.Key, pair => ModelPrice.From(pair.Value.ToDefinition(pair.Key).Pricing));
}
