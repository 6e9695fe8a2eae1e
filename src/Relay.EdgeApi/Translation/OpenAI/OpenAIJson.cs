using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Translation.Anthropic;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>What chat completions and Responses share: usage objects and the error body.</summary>
internal static class OpenAIJson
{
    /// <summary>
    /// Usage in OpenAI's convention from Relay's disjoint buckets: the prompt includes cached and cache-write tokens,
    /// the completion includes reasoning. Chat names the fields prompt/completion, Responses input/output.
    /// </summary>
    public static void WriteUsage(Utf8JsonWriter w, TokenUsage usage, bool responses)
    {
        var cacheWrite = usage.CacheWrite5mTokens + usage.CacheWrite1hTokens;
        var input = usage.InputTokens + usage.CacheReadTokens + cacheWrite;
        var output = usage.OutputTokens + usage.ReasoningTokens;
        w.WriteNumber(responses ? "input_tokens" : "prompt_tokens", input);
        if (responses)
        {
            WriteInputDetails();
            w.WriteNumber("output_tokens", output);
            WriteOutputDetails();
        }
        else
        {
            w.WriteNumber("completion_tokens", output);
        }
        w.WriteNumber("total_tokens", input + output);
        if (!responses)
        {
            WriteInputDetails();
            WriteOutputDetails();
        }

        void WriteInputDetails()
        {
            w.WriteStartObject(responses ? "input_tokens_details" : "prompt_tokens_details");
            w.WriteNumber("cached_tokens", usage.CacheReadTokens);
            w.WriteNumber("cache_write_tokens", cacheWrite);
            w.WriteEndObject();
        }

        void WriteOutputDetails()
        {
            w.WriteStartObject(responses ? "output_tokens_details" : "completion_tokens_details");
            w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
            w.WriteEndObject();
        }
    }

    /// <summary>Reads an OpenAI-style usage object into Relay's buckets, as the meter does.</summary>
    public static TokenUsage? ReadUsage(JsonElement usage, WireProtocol protocol)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(usage));
        reader.Read();
        return OpenAIUsage.Read(ref reader, protocol);
    }

    /// <summary>Reads <c>{"error":{message,type,param,code}}</c>, GLM's <c>{"error":{code,message}}</c>, or a Responses error event.</summary>
    public static UpstreamError ReadError(int status, JsonElement root)
    {
        var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
        var message = AnthropicAnswerReader.Str(error, "message") ?? "The upstream provider failed.";
        var code = AnthropicAnswerReader.Str(error, "code") ?? AnthropicAnswerReader.Str(error, "type");
        if (status == 200)
        {
            // A failure inside a stream: its code says how bad.
            status = code is "rate_limit_exceeded" or "insufficient_quota" ? 429 : code is "invalid_prompt" or "invalid_request_error" ? 400 : 500;
        }
        return new UpstreamError(status, ErrorKinds.OfStatus(status), message);
    }

    /// <summary>The client's status: OpenAI's clients do not know Anthropic's 529 and read 503 as overloaded.</summary>
    public static int StatusFor(UpstreamError error) => error.Status == 529 ? 503 : error.Status;

    public static void WriteErrorObject(Utf8JsonWriter w, UpstreamError error)
    {
        w.WriteStartObject("error");
        w.WriteString("message", error.Message);
        var (type, code) = error.Kind switch
        {
            "authentication_error" => ("invalid_request_error", "invalid_api_key"),
            "permission_error" => ("permission_error", null),
            "not_found_error" => ("invalid_request_error", "not_found"),
            "request_too_large" => ("invalid_request_error", "request_too_large"),
            "billing_error" => ("insufficient_quota", "insufficient_quota"),
            "rate_limit_error" => ("requests", "rate_limit_exceeded"),
            "overloaded_error" => ("server_error", "overloaded"),
            "api_error" or "timeout_error" => ("server_error", (string?)null),
            _ => ("invalid_request_error", (string?)null),
        };
        w.WriteString("type", type);
        w.WriteNull("param");
        if (code is null)
        {
            w.WriteNull("code");
        }
        else
        {
            w.WriteString("code", code);
        }
        w.WriteEndObject();
    }

    public static byte[] WriteError(UpstreamError error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, SseOutput.JsonOptions))
        {
            w.WriteStartObject();
            WriteErrorObject(w, error);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string FinishReason(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "length",
        StopReason.ToolUse => "tool_calls",
        StopReason.Refusal => "content_filter",
        _ => "stop",
    };

    public static StopReason ParseFinishReason(string? reason) => reason switch
    {
        "length" => StopReason.MaxTokens,
        "tool_calls" or "function_call" => StopReason.ToolUse,
        "content_filter" or "sensitive" => StopReason.Refusal,
        _ => StopReason.EndTurn,
    };
}
