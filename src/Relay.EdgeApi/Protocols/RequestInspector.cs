using System.Text.Json;

namespace Relay.EdgeApi.Protocols;

/// <summary>Reads the few facts Relay needs from a request body, and names the field that makes a body malformed.</summary>
public static class RequestInspector
{
    /// <summary>
    /// Returns facts, or a problem naming the field: the body not a JSON object, <c>model</c> missing, empty or not a
    /// string, <c>messages</c> not an array (Messages and chat), <c>input</c> neither string nor array (Responses),
    /// <c>stream</c> not a boolean, <c>stream_options</c> not an object, the output limit not a whole number. A key
    /// Relay reads that appears twice is refused too: Relay prices the model it reads, and the provider must not
    /// read another.
    /// </summary>
    public static RequestInspection Inspect(WireProtocol protocol, ReadOnlySpan<byte> body)
    {
        try
        {
            return InspectJson(protocol, body);
        }
        catch (JsonException ex)
        {
            return RequestInspection.Problem(
                "body",
                $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
    }

    private static RequestInspection InspectJson(WireProtocol protocol, ReadOnlySpan<byte> body)
    {
        var reader = JsonScan.Reader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return RequestInspection.Problem("body", "The request body must be a JSON object.");
        }

        string? model = null;
        var seenModel = false;
        bool? stream = null;
        var seenStream = false;
        var seenStreamOptions = false;
        var includeUsage = false;
        var seenMessages = false;
        long? maxTokens = null;
        long? maxCompletionTokens = null;
        long? maxOutputTokens = null;
        List<string>? features = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (seenModel)
                {
                    return Twice("model");
                }

                seenModel = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.IsEmpty)
                {
                    return RequestInspection.Problem("model", "\"model\" must be a non-empty string naming the model.");
                }

                model = reader.GetString();
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (seenStream)
                {
                    return Twice("stream");
                }

                seenStream = true;
                reader.Read();
                stream = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False or JsonTokenType.Null => false,
                    _ => null,
                };
                if (stream is null)
                {
                    return RequestInspection.Problem("stream", "\"stream\" must be true or false.");
                }
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                if (seenStreamOptions)
                {
                    return Twice("stream_options");
                }

                seenStreamOptions = true;
                reader.Read();
                var problem = ReadStreamOptions(ref reader, out includeUsage);
                if (problem is not null)
                {
                    return problem;
                }
            }
            else if (reader.ValueTextEquals("messages"u8) && protocol != WireProtocol.OpenAIResponses)
            {
                seenMessages = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return RequestInspection.Problem("messages", "\"messages\" must be an array of messages.");
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("input"u8) && protocol == WireProtocol.OpenAIResponses)
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.StartArray or JsonTokenType.Null))
                {
                    return RequestInspection.Problem("input", "\"input\" must be a string or an array of input items.");
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("max_tokens"u8) && protocol != WireProtocol.OpenAIResponses)
            {
                if (!TryReadLimit(ref reader, out maxTokens))
                {
                    return BadLimit("max_tokens");
                }
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8) && protocol == WireProtocol.OpenAIChat)
            {
                if (!TryReadLimit(ref reader, out maxCompletionTokens))
                {
                    return BadLimit("max_completion_tokens");
                }
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8) && protocol == WireProtocol.OpenAIResponses)
            {
                if (!TryReadLimit(ref reader, out maxOutputTokens))
                {
                    return BadLimit("max_output_tokens");
                }
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                reader.Read();
                ReadToolTypes(ref reader, features ??= []);
            }
            else if (reader.ValueTextEquals("service_tier"u8) || reader.ValueTextEquals("speed"u8) || reader.ValueTextEquals("inference_geo"u8))
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    // A value that is not a string is no tier Relay knows: named as such, it is refused.
                    (features ??= []).Add(name + ":" + (reader.TokenType == JsonTokenType.String ? reader.GetString() : "?"));
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("background"u8) || reader.ValueTextEquals("web_search_options"u8) || reader.ValueTextEquals("fallbacks"u8)
                || reader.ValueTextEquals("container"u8) || reader.ValueTextEquals("mcp_servers"u8))
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.Null or JsonTokenType.False))
                {
                    (features ??= []).Add(name);
                }
                reader.Skip();
            }
            else
            {
                reader.Skip();
            }
        }

        // Anything but whitespace after the root object makes the reader throw here.
        if (reader.Read())
        {
            return RequestInspection.Problem("body", "The request body must hold one JSON object.");
        }

        if (model is null)
        {
            return RequestInspection.Problem("model", "\"model\" is required.");
        }

        if (!seenMessages && protocol != WireProtocol.OpenAIResponses)
        {
            return RequestInspection.Problem("messages", "\"messages\" is required.");
        }

        var maxOutput = protocol switch
        {
            WireProtocol.AnthropicMessages => maxTokens,
            WireProtocol.OpenAIChat => maxCompletionTokens ?? maxTokens,
            _ => maxOutputTokens,
        };
        var facts = new RequestFacts(
            model,
            stream ?? false,
            ClientAskedForUsage: protocol == WireProtocol.OpenAIChat && includeUsage,
            EstimatedInputTokens: (body.Length + 3L) / 4,
            maxOutput)
        {
            Features = features ?? [],
        };
        return new RequestInspection(facts, null, null);
    }

    /// <summary>Adds <c>tool:&lt;type&gt;</c> for every tool that says its type (a custom tool may not).</summary>
    private static void ReadToolTypes(ref Utf8JsonReader reader, List<string> features)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    features.Add("tool:" + reader.GetString());
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private static RequestInspection? ReadStreamOptions(ref Utf8JsonReader reader, out bool includeUsage)
    {
        includeUsage = false;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return RequestInspection.Problem("stream_options", "\"stream_options\" must be an object.");
        }

        var seenIncludeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("include_usage"u8))
            {
                reader.Skip();
                continue;
            }

            if (seenIncludeUsage)
            {
                return Twice("stream_options.include_usage");
            }

            seenIncludeUsage = true;
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
            {
                return RequestInspection.Problem("stream_options.include_usage", "\"stream_options.include_usage\" must be true or false.");
            }

            includeUsage = reader.TokenType == JsonTokenType.True;
        }

        return null;
    }

    private static bool TryReadLimit(ref Utf8JsonReader reader, out long? limit)
    {
        reader.Read();
        limit = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
        {
            limit = value;
            return true;
        }

        return false;
    }

    private static RequestInspection BadLimit(string field) =>
        RequestInspection.Problem(field, $"\"{field}\" must be a whole number of tokens, zero or more.");

    private static RequestInspection Twice(string field) =>
        RequestInspection.Problem(field, $"\"{field}\" appears more than once.");
}
