using System.Text.Json;
using Relay.Money;

namespace Relay.Chaos.Audit;

/// <summary>
/// The edge's price catalog, read from its appsettings.json, with the discount applied exactly as the edge
/// applies it. The expected charge of a call is the simulator's usage at these prices, rounded once.
/// </summary>
internal sealed class PriceList(IReadOnlyDictionary<string, PriceList.Prices> models)
{
    public static PriceList Load(string appsettingsFile)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(appsettingsFile));
        var models = new Dictionary<string, Prices>(StringComparer.Ordinal);
        foreach (var model in json.RootElement.GetProperty("Relay").GetProperty("Models").EnumerateObject())
        {
            var list = model.Value.GetProperty("Prices");
            var discount = model.Value.TryGetProperty("Discount", out var d) ? d.GetDecimal() : 1m;
            decimal? Listed(string name) => list.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : null;
            Usd Price(decimal perMillion) => Usd.FromDecimal(perMillion * discount);
            var input = Listed("Input") ?? throw new InvalidDataException($"{model.Name} has no input price");
            var output = Listed("Output") ?? throw new InvalidDataException($"{model.Name} has no output price");
            models[model.Name] = new Prices(
                Price(input),
                Price(output),
                Price(Listed("CacheRead") ?? input),
                Price(Listed("CacheWrite5m") ?? input),
                Price(Listed("CacheWrite1h") ?? input),
                Price(Listed("Reasoning") ?? output));
        }
        return new PriceList(models);
    }

    /// <summary>What the tokens cost at the model's price; reasoning is part of <paramref name="usage"/>'s output, as the simulator reports it.</summary>
    public Usd Charge(string model, Tokens usage)
    {
        var p = models.TryGetValue(model, out var prices) ? prices : throw new KeyNotFoundException($"No price for model '{model}'.");
        return Usd.ForTokens(
            new TokenCost(usage.Input, p.Input),
            new TokenCost(usage.Output - usage.Reasoning, p.Output),
            new TokenCost(usage.Reasoning, p.Reasoning),
            new TokenCost(usage.CacheRead, p.CacheRead),
            new TokenCost(usage.CacheWrite5m, p.CacheWrite5m),
            new TokenCost(usage.CacheWrite1h, p.CacheWrite1h));
    }

    /// <summary>Per million tokens of each kind, after the discount.</summary>
    internal sealed record Prices(Usd Input, Usd Output, Usd CacheRead, Usd CacheWrite5m, Usd CacheWrite1h, Usd Reasoning);
}

/// <summary>Tokens of one call in billing categories: output includes reasoning, input excludes the cache.</summary>
internal readonly record struct Tokens(long Input, long Output, long CacheRead, long CacheWrite5m, long CacheWrite1h, long Reasoning);
