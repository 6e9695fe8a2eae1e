using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>A whole <c>chat.completion</c>: one choice whose message has the text, <c>reasoning_content</c> and <c>tool_calls</c>.</summary>
internal static class ChatAnswers
{
    public static byte[] Write(Answer answer, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, SseOutput.JsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", answer.Id);
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", answer.Model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            var text = string.Concat(answer.Parts.OfType<TextPart>().Select(part => part.Text));
            var calls = answer.Parts.OfType<ToolCallPart>().ToList();
            if (text.Length == 0 && calls.Count > 0)
            {
                w.WriteNull("content");
            }
            else
            {
                w.WriteString("content", text);
            }
            w.WriteNull("refusal");
            var thinking = new StringBuilder();
            foreach (var part in answer.Parts.OfType<ThinkingPart>())
            {
                thinking.Append(part.Text);
            }
            if (thinking.Length > 0)
            {
                w.WriteString("reasoning_content", thinking.ToString());
            }
            if (calls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", call.Id);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", call.Arguments);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", OpenAIJson.FinishReason(answer.Stop));
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("usage");
            OpenAIJson.WriteUsage(w, answer.Usage, responses: false);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
