using System.Buffers;
using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>A whole Responses <c>response</c> object, and the fields every response object in a stream repeats.</summary>
internal static class ResponsesAnswers
{
    public static byte[] Write(Answer answer, long created, Conversation request)
    {
        // The stream writer knows how to write items and responses: replay the answer into it and keep the final response.
        var collector = new FinalResponse();
        using var sse = new SseOutput { Target = collector };
        var writer = new ResponsesStreamWriter(sse, created, request);
        answer.Replay(writer);
        return collector.Response();
    }

    public static void WriteResponseHead(Utf8JsonWriter w, string id, long created, string status, string model, Conversation request, (string Code, string Message)? error, StopReason stop)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", created);
        w.WriteString("status", status);
        w.WriteBoolean("background", false);
        if (error is { } failed)
        {
            w.WriteStartObject("error");
            w.WriteString("code", failed.Code);
            w.WriteString("message", failed.Message);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("error");
        }
        if (status == "incomplete")
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", stop == StopReason.Refusal ? "content_filter" : "max_output_tokens");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }
        w.WriteNull("instructions");
        if (request.MaxOutputTokens is { } max)
        {
            w.WriteNumber("max_output_tokens", max);
        }
        else
        {
            w.WriteNull("max_output_tokens");
        }
        w.WriteString("model", model);
    }

    public static void WriteResponseTail(Utf8JsonWriter w, Conversation request, TokenUsage? usage)
    {
        w.WriteBoolean("parallel_tool_calls", request.ParallelToolCalls ?? true);
        w.WriteNull("previous_response_id");
        w.WriteStartObject("reasoning");
        if (request.Reasoning?.Effort is { } effort)
        {
            w.WriteString("effort", effort);
        }
        else
        {
            w.WriteNull("effort");
        }
        w.WriteNull("summary");
        w.WriteEndObject();
        w.WriteBoolean("store", false);
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        w.WriteString("type", "text");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("tool_choice", "auto");
        w.WriteStartArray("tools");
        w.WriteEndArray();
        w.WriteString("truncation", "disabled");
        if (usage is null)
        {
            w.WriteNull("usage");
        }
        else
        {
            w.WriteStartObject("usage");
            OpenAIJson.WriteUsage(w, usage, responses: true);
            w.WriteEndObject();
        }
        w.WriteStartObject("metadata");
        w.WriteEndObject();
    }

    /// <summary>Receives the replayed stream and keeps the response object of its last event.</summary>
    private sealed class FinalResponse : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _all = new(4096);

        public void Advance(int count) => _all.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _all.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _all.GetSpan(sizeHint);

        public byte[] Response()
        {
            var text = _all.WrittenSpan;
            var last = text[..^2].LastIndexOf("data: "u8);
            using var document = JsonDocument.Parse(text[(last + 6)..^2].ToArray());
            var response = new ArrayBufferWriter<byte>(text.Length);
            using (var w = new Utf8JsonWriter(response, SseOutput.JsonOptions))
            {
                document.RootElement.GetProperty("response").WriteTo(w);
            }
            return response.WrittenSpan.ToArray();
        }
    }
}
