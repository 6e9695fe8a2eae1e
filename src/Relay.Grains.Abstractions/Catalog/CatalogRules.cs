using Relay.Money;

namespace Relay.Catalog;

/// <summary>
/// What a model or channel must be to enter the catalog. The catalog grain refuses anything else, naming the field;
/// the edge and the console read the same rules.
/// </summary>
public static class CatalogRules
{
    /// <summary>The providers a channel can reach and a model can belong to.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["anthropic", "openai", "glm"];

    /// <summary>The client protocols a channel's <see cref="ChannelDefinition.Paths"/> may name.</summary>
    public static IReadOnlyList<string> Protocols { get; } = ["AnthropicMessages", "OpenAIChat", "OpenAIResponses"];

    private const int MaxNameLength = 128;
    private const int MaxKeyLength = 4096;

    /// <summary>
    /// A list price per million tokens after the discount. It must stay exact to a nano-dollar per million tokens;
    /// an operator whose discount is not is told so instead of being silently rounded.
    /// </summary>
    public static Usd Discounted(Usd listPerMillion, decimal discount)
    {
        if (discount <= 0m || discount > 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(discount), discount, "The discount is a multiplier in (0, 1].");
        }
        return Usd.FromDecimal(listPerMillion.ToDecimal() * discount);
    }

    /// <summary>Why the model cannot enter the catalog, as (field, problem); null when it can.</summary>
    public static (string Field, string Problem)? ProblemWith(ModelDefinition model)
    {
        if (!IsName(model.Id))
        {
            return ("id", $"A model id is 1 to {MaxNameLength} characters of letters, digits and . _ - : /.");
        }
        if (!Providers.Contains(model.Provider))
        {
            return ("provider", "The provider is anthropic, openai or glm.");
        }
        if (model.UpstreamModel is { } upstream && !IsName(upstream))
        {
            return ("upstreamModel", $"An upstream model id is 1 to {MaxNameLength} characters of letters, digits and . _ - : /.");
        }
        if (model.Aliases.FirstOrDefault(alias => !IsName(alias)) is { } badAlias)
        {
            return ("aliases", $"The alias '{badAlias}' is not a valid model name.");
        }
        if (model.DisplayName.Length > MaxNameLength)
        {
            return ("displayName", $"A display name has at most {MaxNameLength} characters.");
        }
        return ProblemWith(model.Pricing);
    }

    /// <summary>Why the pricing cannot be used, as (field, problem); null when it can.</summary>
    public static (string Field, string Problem)? ProblemWith(ModelPricing pricing)
    {
        if (pricing.Discount <= 0m || pricing.Discount > 1m)
        {
            return ("pricing.discount", "The discount is a multiplier in (0, 1]: 0.9 charges 90% of list.");
        }
        if (ProblemWith(pricing.List, pricing.Discount, "pricing.list") is { } listProblem)
        {
            return listProblem;
        }
        var threshold = 0L;
        for (var i = 0; i < pricing.Tiers.Count; i++)
        {
            var tier = pricing.Tiers[i];
            if (tier.AboveInputTokens <= threshold)
            {
                return ($"pricing.tiers[{i}].aboveInputTokens", "Tier thresholds are positive and rise from one tier to the next.");
            }
            threshold = tier.AboveInputTokens;
            if (ProblemWith(tier.Prices, pricing.Discount, $"pricing.tiers[{i}].prices") is { } tierProblem)
            {
                return tierProblem;
            }
        }
        return null;
    }

    /// <summary>Why the channel cannot enter the catalog, as (field, problem); null when it can. Models it lists must be in <paramref name="modelIds"/>.</summary>
    public static (string Field, string Problem)? ProblemWith(ChannelDefinition channel, IReadOnlySet<string> modelIds)
    {
        if (!IsName(channel.Name))
        {
            return ("name", $"A channel name is 1 to {MaxNameLength} characters of letters, digits and . _ - : /.");
        }
        if (!Providers.Contains(channel.Provider))
        {
            return ("provider", "The provider is anthropic, openai or glm.");
        }
        if (!Uri.TryCreate(channel.BaseUrl, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttps && baseUrl.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(baseUrl.UserInfo))
        {
            return ("baseUrl", "The base URL is an absolute http(s) URL without credentials in it.");
        }
        if (channel.Models.FirstOrDefault(id => !modelIds.Contains(id)) is { } unknown)
        {
            return ("models", $"The model '{unknown}' is not in the catalog.");
        }
        if (channel.ModelMap.FirstOrDefault(pair => !modelIds.Contains(pair.Key) || !IsName(pair.Value)) is { Key: not null } badMapping)
        {
            return ("modelMap", $"The mapping of '{badMapping.Key}' names a model the catalog does not have or an invalid upstream id.");
        }
        if (channel.Paths.FirstOrDefault(pair => !Protocols.Contains(pair.Key, StringComparer.OrdinalIgnoreCase) || pair.Value.Any(char.IsWhiteSpace) || pair.Value.Contains('?')) is { Key: not null } badPath)
        {
            return ("paths", $"'{badPath.Key}' is not a protocol (AnthropicMessages, OpenAIChat, OpenAIResponses) or its path is not a plain path.");
        }
        if (channel.Weight < 1)
        {
            return ("weight", "The weight is at least 1.");
        }
        return null;
    }

    /// <summary>Why the upstream key cannot be used, as (field, problem); null when it can. A key goes into a header, so it has no spaces or control characters.</summary>
    public static (string Field, string Problem)? ProblemWithKey(string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey) || apiKey.Length > MaxKeyLength || apiKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '\u007e'))
        {
            return ("apiKey", $"The upstream key is 1 to {MaxKeyLength} printable ASCII characters without spaces.");
        }
        return null;
    }

    /// <summary>The fingerprint operators see instead of a key: the first 12 hex digits of its SHA-256.</summary>
    public static string Fingerprint(string apiKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(apiKey)))[..12];

    /// <summary>The last 4 characters of a key, or nothing for a key so short that they would give most of it away.</summary>
    public static string Last4(string apiKey) => apiKey.Length >= 16 ? apiKey[^4..] : "";

    private static (string Field, string Problem)? ProblemWith(TokenPrices prices, decimal discount, string field)
    {
        foreach (var (kind, price) in new (string, Usd?)[]
        {
            ("input", prices.Input), ("output", prices.Output), ("cacheRead", prices.CacheRead), ("cacheWrite5m", prices.CacheWrite5m),
            ("cacheWrite1h", prices.CacheWrite1h), ("reasoning", prices.Reasoning),
        })
        {
            if (price is not { } value)
            {
                continue;
            }
            if (value < Usd.Zero)
            {
                return ($"{field}.{kind}", "Prices are not negative.");
            }
            try
            {
                Discounted(value, discount);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException)
            {
                return ($"{field}.{kind}", $"{value.ToDecimal()} per million at a discount of {discount} is not exact to a nano-dollar.");
            }
        }
        return null;
    }

    private static bool IsName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/');
}
