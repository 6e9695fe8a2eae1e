using System.Text.Json;

namespace Relay.Simulator.Tests;

/// <summary>Ways of comparing the shape, not the values, of provider JSON.</summary>
internal static class JsonShapes
{
    /// <summary>The dotted paths of every number under <paramref name="element"/>, e.g. <c>cache_creation.ephemeral_5m_input_tokens</c>.</summary>
    public static SortedSet<string> NumericPaths(JsonElement element)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(element, "", paths);
        return paths;
    }

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static JsonElement At(this JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            element = element.GetProperty(name);
        }

        return element;
    }

    /// <summary>Drops consecutive repeats, so that "delta, delta, delta" compares equal to "delta".</summary>
    public static IReadOnlyList<string> Collapsed(this IEnumerable<string> sequence)
    {
        var collapsed = new List<string>();
        foreach (var item in sequence)
        {
            if (collapsed.Count == 0 || collapsed[^1] != item)
            {
                collapsed.Add(item);
            }
        }

        return collapsed;
    }

    /// <summary>What a chat-style chunk is: role, content, finish, usage-only, done; "+usage" when it carries usage.</summary>
    public static string ChatChunkKind(string data)
    {
        if (data == "[DONE]")
        {
            return "done";
        }

        var chunk = Parse(data);
        var choices = chunk.GetProperty("choices");
        string kind;
        if (choices.GetArrayLength() == 0)
        {
            return "usage-only";
        }

        var choice = choices[0];
        if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
        {
            kind = "finish";
        }
        else
        {
            kind = choice.GetProperty("delta").TryGetProperty("role", out _) ? "role" : "content";
        }

        return chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object ? kind + "+usage" : kind;
    }

    private static void Walk(JsonElement element, string prefix, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}", paths);
                }

                break;
            case JsonValueKind.Number:
                paths.Add(prefix);
                break;
        }
    }
}
