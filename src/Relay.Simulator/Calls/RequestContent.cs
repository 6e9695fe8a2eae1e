using System.Text.Json;

namespace Relay.Simulator.Calls;

/// <summary>Which provider request shape a body is in.</summary>
internal enum RequestShape
{
    AnthropicMessages,
    ChatCompletions,
    Responses,
}

/// <summary>A tool the request offers, with the arguments the simulator calls it with.</summary>
internal sealed record OfferedTool(string Name, string Arguments);

/// <summary>
/// What the simulator reads of a request's conversation: the tools it offers (and a tool it forces), whether it ends
/// with tool results (then the model answers in words), whether it asks to see thinking, and how many images and
/// tool results it carries. Images must be in the provider's shape, or the call is refused as the provider would.
/// </summary>
internal sealed record RequestContent(
    IReadOnlyList<OfferedTool> Tools,
    bool ToolsForbidden,
    bool EndsWithToolResult,
    bool ThinkingRequested,
    int Images,
    int ToolResults)
{
    public static RequestContent None { get; } = new([], false, false, false, 0, 0);

    /// <summary>Reads the content; null and the path of the first malformed image when one is not in the provider's shape.</summary>
    public static RequestContent? Read(JsonElement root, RequestShape shape, out string problem)
    {
        problem = "";
        var images = 0;
        var results = 0;
        var lastIsResult = false;
        string? bad = null;
        switch (shape)
        {
            case RequestShape.AnthropicMessages:
                foreach (var (message, i) in Items(root, "messages"))
                {
                    lastIsResult = false;
                    if (!message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
                    {
                        continue;
                    }
                    foreach (var (block, j) in Indexed(content))
                    {
                        var path = $"messages.{i}.content.{j}";
                        switch (Str(block, "type"))
                        {
                            case "image":
                                images++;
                                bad ??= AnthropicImage(block, path);
                                break;
                            case "tool_result":
                                results++;
                                lastIsResult = true;
                                if (block.TryGetProperty("content", out var inner) && inner.ValueKind == JsonValueKind.Array)
                                {
                                    foreach (var (part, k) in Indexed(inner))
                                    {
                                        if (Str(part, "type") == "image")
                                        {
                                            images++;
                                            bad ??= AnthropicImage(part, $"{path}.content.{k}");
                                        }
                                    }
                                }
                                break;
                            default:
                                break;
                        }
                    }
                }
                break;
            case RequestShape.ChatCompletions:
                foreach (var (message, i) in Items(root, "messages"))
                {
                    lastIsResult = Str(message, "role") == "tool";
                    results += lastIsResult ? 1 : 0;
                    if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var (part, j) in Indexed(content))
                        {
                            if (Str(part, "type") == "image_url")
                            {
                                images++;
                                var url = part.TryGetProperty("image_url", out var image) ? Str(image, "url") : null;
                                bad ??= IsImageUrl(url) ? null : $"messages[{i}].content[{j}].image_url.url";
                            }
                        }
                    }
                }
                break;
            default:
                foreach (var (item, i) in Items(root, "input"))
                {
                    var type = Str(item, "type");
                    lastIsResult = type == "function_call_output";
                    results += lastIsResult ? 1 : 0;
                    var parts = item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array ? content
                        : item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array ? output
                        : default;
                    if (parts.ValueKind != JsonValueKind.Array)
                    {
                        continue;
                    }
                    foreach (var (part, j) in Indexed(parts))
                    {
                        if (Str(part, "type") == "input_image")
                        {
                            images++;
                            bad ??= IsImageUrl(Str(part, "image_url")) || Str(part, "file_id") is not null ? null : $"input[{i}].content[{j}].image_url";
                        }
                    }
                }
                break;
        }
        if (bad is not null)
        {
            problem = bad;
            return null;
        }
        return new RequestContent(ReadTools(root, shape), ReadToolsForbidden(root), lastIsResult, ReadThinkingRequested(root, shape), images, results);
    }

    private static string? AnthropicImage(JsonElement block, string path)
    {
        if (!block.TryGetProperty("source", out var source))
        {
            return $"{path}.source";
        }
        return Str(source, "type") switch
        {
            "base64" when Str(source, "media_type") is { Length: > 0 } && Str(source, "data") is { Length: > 0 } => null,
            "url" when Str(source, "url") is { Length: > 0 } => null,
            "file" when Str(source, "file_id") is { Length: > 0 } => null,
            _ => $"{path}.source",
        };
    }

    private static bool IsImageUrl(string? url) =>
        url is not null && (url.StartsWith("https://", StringComparison.Ordinal) || url.StartsWith("http://", StringComparison.Ordinal)
            || (url.StartsWith("data:image/", StringComparison.Ordinal) && url.Contains(";base64,", StringComparison.Ordinal)));

    private static List<OfferedTool> ReadTools(JsonElement root, RequestShape shape)
    {
        var tools = new List<OfferedTool>();
        foreach (var (tool, _) in Items(root, "tools"))
        {
            var (name, schema) = shape switch
            {
                RequestShape.AnthropicMessages => (Str(tool, "name"), tool.TryGetProperty("input_schema", out var s) ? s : default),
                RequestShape.ChatCompletions when tool.TryGetProperty("function", out var f) => (Str(f, "name"), f.TryGetProperty("parameters", out var p) ? p : default),
                RequestShape.Responses when Str(tool, "type") == "function" => (Str(tool, "name"), tool.TryGetProperty("parameters", out var p) ? p : default),
                _ => (null, default),
            };
            if (name is not null)
            {
                tools.Add(new OfferedTool(name, ArgumentsFor(schema)));
            }
        }
        var forced = Forced(root);
        return forced is null ? tools : [.. tools.Where(tool => tool.Name == forced)];
    }

    /// <summary>The tool a request forces by name (<c>{"type":"tool","name"}</c>, <c>{"type":"function",...}</c>).</summary>
    private static string? Forced(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return Str(choice, "name") ?? (choice.TryGetProperty("function", out var function) ? Str(function, "name") : null);
    }

    private static bool ReadToolsForbidden(JsonElement root) =>
        root.TryGetProperty("tool_choice", out var choice)
        && (choice.ValueKind == JsonValueKind.String ? choice.GetString() == "none" : Str(choice, "type") == "none");

    private static bool ReadThinkingRequested(JsonElement root, RequestShape shape) => shape switch
    {
        RequestShape.AnthropicMessages => root.TryGetProperty("thinking", out var thinking) && Str(thinking, "type") is "enabled" or "adaptive",
        RequestShape.Responses => root.TryGetProperty("reasoning", out var reasoning) && Str(reasoning, "summary") is { } summary && summary != "none",
        _ => false,
    };

    /// <summary>
    /// An argument object for a JSON schema: its required properties (or all of them) set to "v1", "v2", ... for
    /// strings, 1 for numbers, true for booleans, [] and {} for arrays and objects.
    /// </summary>
    public static string ArgumentsFor(JsonElement schema)
    {
        var names = new List<string>();
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            names.AddRange(required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
        }
        var properties = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (names.Count == 0 && properties.ValueKind == JsonValueKind.Object)
        {
            names.AddRange(properties.EnumerateObject().Select(property => property.Name));
        }
        return Streaming.Json.ObjectText(w =>
        {
            for (var i = 0; i < names.Count; i++)
            {
                var type = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(names[i], out var property) ? Str(property, "type") : null;
                w.WritePropertyName(names[i]);
                switch (type)
                {
                    case "integer" or "number":
                        w.WriteNumberValue(1);
                        break;
                    case "boolean":
                        w.WriteBooleanValue(true);
                        break;
                    case "array":
                        w.WriteStartArray();
                        w.WriteEndArray();
                        break;
                    case "object":
                        w.WriteStartObject();
                        w.WriteEndObject();
                        break;
                    default:
                        w.WriteStringValue($"v{i + 1}");
                        break;
                }
            }
        });
    }

    private static IEnumerable<(JsonElement Item, int Index)> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? Indexed(array) : [];

    private static IEnumerable<(JsonElement Item, int Index)> Indexed(JsonElement array) =>
        array.EnumerateArray().Select((item, index) => (item, index)).Where(pair => pair.item.ValueKind == JsonValueKind.Object);

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
