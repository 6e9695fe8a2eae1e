using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relay.EdgeApi.Translation;

/// <summary>Typed reads of a request's JSON that refuse a wrong type with a 400 naming the field's path.</summary>
internal static class JsonFields
{
    /// <summary>Every key of <paramref name="node"/> must be one Relay knows how to translate; any other is refused by name.</summary>
    public static void OnlyKnown(JsonObject node, string path, string target, IReadOnlySet<string> known)
    {
        foreach (var (key, _) in node)
        {
            if (!known.Contains(key))
            {
                throw TranslationRefusal.Unsupported(Join(path, key), target);
            }
        }
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string? String(JsonObject node, string key, string path)
    {
        var value = node[key];
        if (value is null)
        {
            return null;
        }
        return value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw TranslationRefusal.Invalid(Join(path, key), "must be a string.");
    }

    public static JsonObject? Object(JsonObject node, string key, string path) => node[key] switch
    {
        null => null,
        JsonObject value => value,
        _ => throw TranslationRefusal.Invalid(Join(path, key), "must be an object."),
    };

    public static JsonArray? Array(JsonObject node, string key, string path) => node[key] switch
    {
        null => null,
        JsonArray value => value,
        _ => throw TranslationRefusal.Invalid(Join(path, key), "must be an array."),
    };

    public static bool? Bool(JsonObject node, string key, string path)
    {
        var value = node[key];
        if (value is null)
        {
            return null;
        }
        return value.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TranslationRefusal.Invalid(Join(path, key), "must be true or false."),
        };
    }

    public static long? Count(JsonObject node, string key, string path)
    {
        var value = node[key];
        if (value is null)
        {
            return null;
        }
        return value is JsonValue number && number.GetValueKind() == JsonValueKind.Number && number.TryGetValue<long>(out var count) && count >= 0
            ? count
            : throw TranslationRefusal.Invalid(Join(path, key), "must be a whole number, zero or more.");
    }

    /// <summary>A number, kept as the JSON the client wrote.</summary>
    public static JsonNode? Number(JsonObject node, string key, string path)
    {
        var value = node[key];
        if (value is null)
        {
            return null;
        }
        return value.GetValueKind() == JsonValueKind.Number
            ? value.DeepClone()
            : throw TranslationRefusal.Invalid(Join(path, key), "must be a number.");
    }

    /// <summary>A string or an array of strings (chat's <c>stop</c>).</summary>
    public static IEnumerable<string> Strings(JsonObject node, string key, string path)
    {
        switch (node[key])
        {
            case null:
                return [];
            case JsonArray array:
                return array.Select((item, i) => item?.GetValueKind() == JsonValueKind.String
                    ? item.GetValue<string>()
                    : throw TranslationRefusal.Invalid($"{Join(path, key)}[{i}]", "must be a string."));
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return [value.GetValue<string>()];
            default:
                throw TranslationRefusal.Invalid(Join(path, key), "must be a string or an array of strings.");
        }
    }

    /// <summary>Tool arguments as the client sent them: JSON text of an object.</summary>
    public static JsonNode ParseArguments(string arguments, string path)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments) as JsonObject
                ?? throw TranslationRefusal.Invalid(path, "must be the JSON text of an object.");
        }
        catch (JsonException)
        {
            throw TranslationRefusal.Invalid(path, "must be the JSON text of an object.");
        }
    }
}
