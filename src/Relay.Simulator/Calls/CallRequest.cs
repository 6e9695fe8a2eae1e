using System.Text.Json;

namespace Relay.Simulator.Calls;

/// <summary>The few fields of a provider request body that the simulator reads.</summary>
internal sealed record CallRequest(int BodyBytes, string Model, bool Stream, bool IncludeUsage, bool IncludeObfuscation, int? MaxOutputTokens, RequestContent Content)
{
    /// <summary>Reads the body; returns null and a reason when it is not a JSON object with a model.</summary>
    public static CallRequest? Parse(ReadOnlySpan<byte> body, RequestShape shape, out CallRequestProblem problem, out string detail)
    {
        problem = CallRequestProblem.None;
        detail = "";
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != body.Length && !IsWhitespace(body[(int)reader.BytesConsumed..]))
            {
                document.Dispose();
                problem = CallRequestProblem.MalformedJson;
                detail = $"unexpected data after the JSON value at byte {reader.BytesConsumed}";
                return null;
            }
        }
        catch (JsonException e)
        {
            problem = CallRequestProblem.MalformedJson;
            detail = $"line {(e.LineNumber ?? 0) + 1} column {(e.BytePositionInLine ?? 0) + 1}";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = CallRequestProblem.MalformedJson;
                detail = "the body must be a JSON object";
                return null;
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(model.GetString()))
            {
                problem = CallRequestProblem.MissingModel;
                detail = "model";
                return null;
            }

            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var options)
                && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_usage", out var include)
                && include.ValueKind == JsonValueKind.True;
            // OpenAI pads stream deltas with "obfuscation" unless stream_options.include_obfuscation is false.
            var includeObfuscation = !(options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_obfuscation", out var obfuscation)
                && obfuscation.ValueKind == JsonValueKind.False);
            if (RequestContent.Read(root, shape, out var badImage) is not { } content)
            {
                problem = CallRequestProblem.InvalidImage;
                detail = badImage;
                return null;
            }

            return new CallRequest(body.Length, model.GetString()!, stream, includeUsage, includeObfuscation, MaxTokens(root), content);
        }
    }

    private static int? MaxTokens(JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["max_tokens", "max_completion_tokens", "max_output_tokens"])
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetInt32(out var max))
            {
                return max;
            }
        }

        return null;
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}

internal enum CallRequestProblem
{
    None,
    MalformedJson,
    MissingModel,

    /// <summary>An image not in the provider's shape; the detail is its path in the body.</summary>
    InvalidImage,

    /// <summary>An <c>x-sim-*</c> setting the simulator does not know; the detail names it.</summary>
    UnknownSetting,
}
