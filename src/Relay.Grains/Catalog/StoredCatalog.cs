using System.Text.Json;
using System.Text.Json.Serialization;
using Relay.Money;

namespace Relay.Catalog;

/// <summary>The catalog as stored: models, and channels with their upstream key as Data Protection ciphertext.</summary>
internal sealed record StoredCatalog(IReadOnlyList<ModelDefinition> Models, IReadOnlyList<StoredChannel> Channels)
{
    public static StoredCatalog Empty { get; } = new([], []);
}

/// <summary>A channel as stored: never its plain key, only the key's ciphertext and what operators may see of it.</summary>
internal sealed record StoredChannel(ChannelDefinition Channel, string ProtectedKey, string KeyFingerprint, string KeyLast4, DateTimeOffset KeySetAt)
{
    public ChannelView View() => new(Channel, KeyFingerprint, KeyLast4, KeySetAt);
}

/// <summary>
/// How the catalog and its audit entries are written as JSON: camelCase, money as exact decimal dollars
/// ("5.000000000"), never a plain key (audit entries carry <see cref="ChannelView"/>s).
/// </summary>
internal static class CatalogJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new UsdConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidOperationException($"The stored {typeof(T).Name} is empty.");

    private sealed class UsdConverter : JsonConverter<Usd>
    {
        public override Usd Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Usd.FromDecimal(reader.TokenType == JsonTokenType.String
                ? decimal.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                : reader.GetDecimal());

        public override void Write(Utf8JsonWriter writer, Usd value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
