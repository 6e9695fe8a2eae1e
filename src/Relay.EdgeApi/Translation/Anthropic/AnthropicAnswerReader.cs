using System.Runtime.InteropServices;
using System.Text.Json;
using Relay.EdgeApi.Protocols;

namespace Relay.EdgeApi.Translation.Anthropic;

/// <summary>
/// Reads an Anthropic answer, streamed (<see cref="OnEvent"/>, one SSE event at a time) or whole (<see cref="ReadWhole"/>),
/// into answer events. Usage is merged as the meter merges it: <c>message_start</c>'s, then <c>message_delta</c>'s cumulative one.
/// </summary>
internal sealed class AnthropicAnswerReader(IAnswerEvents events) : ISseEventSink
{
    private AnthropicUsage _usage;

    public void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        using var document = JsonDocument.Parse(data.ToArray());
        var root = document.RootElement;
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "message_start" when root.TryGetProperty("message", out var message):
                events.Start(Str(message, "id") ?? "", Str(message, "model") ?? "");
                MergeUsage(message);
                break;
            case "content_block_start" when root.TryGetProperty("content_block", out var block):
                StartBlock(block);
                break;
            case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                Delta(delta);
                break;
            case "content_block_stop":
                events.EndPart();
                break;
            case "message_delta":
                if (root.TryGetProperty("delta", out var messageDelta))
                {
                    events.Finish(AnthropicStopReasons.Parse(Str(messageDelta, "stop_reason")), Str(messageDelta, "stop_sequence"));
                }
                MergeUsage(root);
                break;
            case "message_stop":
                events.End();
                break;
            case "error":
                events.Fail(AnthropicErrors.Read(200, root));
                break;
            default:
                // ping, and events a later API version may add.
                break;
        }
    }

    /// <summary>A whole (non-streamed) answer: its content blocks in order, then its stop reason and usage.</summary>
    public void ReadWhole(JsonElement message)
    {
        events.Start(Str(message, "id") ?? "", Str(message, "model") ?? "");
        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                switch (Str(block, "type"))
                {
                    case "text":
                        events.Text(Str(block, "text") ?? "");
                        break;
                    case "thinking":
                        events.Thinking(Str(block, "thinking") ?? "");
                        if (Str(block, "signature") is { Length: > 0 } signature)
                        {
                            events.ThinkingSignature(signature);
                        }
                        break;
                    case "redacted_thinking":
                        events.RedactedThinking(Str(block, "data") ?? "");
                        break;
                    case "tool_use":
                        events.ToolCall(Str(block, "id") ?? "", Str(block, "name") ?? "");
                        events.ToolArguments(block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                        break;
                    default:
                        break;
                }
                events.EndPart();
            }
        }
        events.Finish(AnthropicStopReasons.Parse(Str(message, "stop_reason")), Str(message, "stop_sequence"));
        MergeUsage(message);
        events.End();
    }

    private void StartBlock(JsonElement block)
    {
        switch (Str(block, "type"))
        {
            case "text" when Str(block, "text") is { Length: > 0 } text:
                events.Text(text);
                break;
            case "thinking" when Str(block, "thinking") is { Length: > 0 } thinking:
                events.Thinking(thinking);
                break;
            case "redacted_thinking":
                events.RedactedThinking(Str(block, "data") ?? "");
                break;
            case "tool_use":
                events.ToolCall(Str(block, "id") ?? "", Str(block, "name") ?? "");
                if (block.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object && input.EnumerateObject().Any())
                {
                    events.ToolArguments(input.GetRawText());
                }
                break;
            default:
                break;
        }
    }

    private void Delta(JsonElement delta)
    {
        switch (Str(delta, "type"))
        {
            case "text_delta":
                events.Text(Str(delta, "text") ?? "");
                break;
            case "thinking_delta":
                events.Thinking(Str(delta, "thinking") ?? "");
                break;
            case "signature_delta":
                events.ThinkingSignature(Str(delta, "signature") ?? "");
                break;
            case "input_json_delta":
                events.ToolArguments(Str(delta, "partial_json") ?? "");
                break;
            default:
                // citations_delta: citations come from documents and search, which a translated request cannot carry.
                break;
        }
    }

    private void MergeUsage(JsonElement holder)
    {
        if (!holder.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(usage));
        reader.Read();
        _usage.Merge(ref reader);
        if (_usage.ToTokenUsage() is { } tokens)
        {
            events.Usage(tokens);
        }
    }

    internal static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
