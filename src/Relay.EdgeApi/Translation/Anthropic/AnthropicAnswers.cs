using System.Buffers;
using System.Text.Json;

namespace Relay.EdgeApi.Translation.Anthropic;

/// <summary>A whole Anthropic Messages answer: <c>{id, type:"message", role, model, content[], stop_reason, stop_sequence, usage}</c>.</summary>
internal static class AnthropicAnswers
{
    public static byte[] Write(Answer answer)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, SseOutput.JsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", answer.Id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", answer.Model);
            w.WriteStartArray("content");
            foreach (var part in answer.Parts)
            {
                w.WriteStartObject();
                switch (part)
                {
                    case TextPart text:
                        w.WriteString("type", "text");
                        w.WriteString("text", text.Text);
                        break;
                    case ThinkingPart { Redacted: true } redacted:
                        w.WriteString("type", "redacted_thinking");
                        w.WriteString("data", redacted.Signature);
                        break;
                    case ThinkingPart thinking:
                        w.WriteString("type", "thinking");
                        w.WriteString("thinking", thinking.Text);
                        w.WriteString("signature", thinking.Signature ?? "");
                        break;
                    case ToolCallPart call:
                        w.WriteString("type", "tool_use");
                        w.WriteString("id", call.Id);
                        w.WriteString("name", call.Name);
                        w.WritePropertyName("input");
                        JsonText.WriteObject(w, call.Arguments);
                        break;
                    default:
                        break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("stop_reason", AnthropicStopReasons.Name(answer.Stop));
            if (answer.StopSequence is null)
            {
                w.WriteNull("stop_sequence");
            }
            else
            {
                w.WriteString("stop_sequence", answer.StopSequence);
            }
            w.WriteStartObject("usage");
            AnthropicUsageJson.Write(w, answer.Usage);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Anthropic's error body <c>{"type":"error","error":{"type","message"}}</c> and its statuses.</summary>
internal static class AnthropicErrors
{
    /// <summary>Reads an error body (or a stream's <c>error</c> event); GLM's extra <c>code</c> is ignored.</summary>
    public static UpstreamError Read(int status, JsonElement root)
    {
        var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e : default;
        var kind = AnthropicAnswerReader.Str(error, "type") ?? ErrorKinds.OfStatus(status);
        var message = AnthropicAnswerReader.Str(error, "message") ?? "The upstream provider failed.";
        return new UpstreamError(status == 200 ? ErrorKinds.StatusOf(kind) : status, kind, message);
    }

    public static byte[] Write(UpstreamError error, string? requestId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, SseOutput.JsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "error");
            w.WriteStartObject("error");
            w.WriteString("type", error.Kind);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
            if (requestId is not null)
            {
                w.WriteString("request_id", requestId);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Anthropic's error types (the neutral error kinds) and their statuses, from shared/wire/anthropic/error-shapes.json.</summary>
internal static class ErrorKinds
{
    public static string OfStatus(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        409 => "conflict_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        504 => "timeout_error",
        _ when status >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static int StatusOf(string kind) => kind switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "conflict_error" => 409,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        "timeout_error" => 504,
        _ => 500,
    };
}

/// <summary>Writes JSON text that arrived as a string (a tool call's arguments) as a JSON value.</summary>
internal static class JsonText
{
    /// <summary>Writes the arguments as an object; text that is not a JSON object (a model's mistake) is kept as a string under <c>"_raw"</c>, so nothing is lost.</summary>
    public static void WriteObject(Utf8JsonWriter w, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                document.RootElement.WriteTo(w);
                return;
            }
        }
        catch (JsonException)
        {
            // Below: kept as text.
        }
        w.WriteStartObject();
        w.WriteString("_raw", json);
        w.WriteEndObject();
    }
}
