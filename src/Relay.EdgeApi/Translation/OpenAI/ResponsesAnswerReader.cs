using System.Text.Json;
using Relay.EdgeApi.Protocols;
using static Relay.EdgeApi.Translation.Anthropic.AnthropicAnswerReader;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Reads a Responses answer, streamed or whole, into answer events: <c>output_text</c> and refusal deltas as text,
/// reasoning summary (and reasoning text) deltas as thinking, <c>function_call</c> items and their argument deltas as
/// tool calls, <c>output_item.done</c> as the end of a part, the terminal <c>response.completed</c> /
/// <c>response.incomplete</c> for usage and stop reason, <c>error</c> / <c>response.failed</c> as a failure.
/// OpenAI's encrypted reasoning is not passed on: no other provider can read it.
/// </summary>
internal sealed class ResponsesAnswerReader(IAnswerEvents events) : ISseEventSink
{
    private bool _started;
    private bool _sawToolCall;
    private int _summaryIndex;
    private bool _failed;

    public void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        using var document = JsonDocument.Parse(data.ToArray());
        var root = document.RootElement;
        switch (Str(root, "type"))
        {
            case "response.created" or "response.in_progress" when root.TryGetProperty("response", out var response):
                StartOnce(response);
                break;
            case "response.output_item.added" when root.TryGetProperty("item", out var item):
                Added(item);
                break;
            case "response.output_text.delta" or "response.refusal.delta":
                events.Text(Str(root, "delta") ?? "");
                break;
            case "response.reasoning_summary_part.added":
                if (_summaryIndex++ > 0)
                {
                    events.Thinking("\n\n");
                }
                break;
            case "response.reasoning_summary_text.delta" or "response.reasoning_text.delta":
                events.Thinking(Str(root, "delta") ?? "");
                break;
            case "response.function_call_arguments.delta":
                events.ToolArguments(Str(root, "delta") ?? "");
                break;
            case "response.output_item.done":
                events.EndPart();
                break;
            case "response.completed" or "response.incomplete" when root.TryGetProperty("response", out var final):
                Terminal(final);
                break;
            case "response.failed" when root.TryGetProperty("response", out var failed):
                Fail(failed.TryGetProperty("error", out var error) ? error : default);
                break;
            case "error":
                Fail(root);
                break;
            default:
                break;
        }
    }

    /// <summary>A whole response object.</summary>
    public void ReadWhole(JsonElement response)
    {
        StartOnce(response);
        if (Str(response, "status") == "failed")
        {
            Fail(response.TryGetProperty("error", out var error) ? error : default);
            return;
        }
        if (response.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in output.EnumerateArray())
            {
                Added(item);
                switch (Str(item, "type"))
                {
                    case "message" when item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array:
                        foreach (var part in content.EnumerateArray())
                        {
                            if ((Str(part, "text") ?? Str(part, "refusal")) is { } text)
                            {
                                events.Text(text);
                            }
                        }
                        break;
                    case "reasoning" when item.TryGetProperty("summary", out var summary) && summary.ValueKind == JsonValueKind.Array:
                        var texts = summary.EnumerateArray().Select(s => Str(s, "text")).OfType<string>().ToList();
                        if (texts.Count > 0)
                        {
                            events.Thinking(string.Join("\n\n", texts));
                        }
                        break;
                    case "function_call":
                        events.ToolArguments(Str(item, "arguments") ?? "");
                        break;
                    default:
                        break;
                }
                events.EndPart();
            }
        }
        Terminal(response);
    }

    private void StartOnce(JsonElement response)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        events.Start(Str(response, "id") ?? "", Str(response, "model") ?? "");
    }

    private void Added(JsonElement item)
    {
        if (Str(item, "type") != "function_call")
        {
            return;
        }
        _sawToolCall = true;
        var name = Str(item, "name") ?? "";
        if (Str(item, "namespace") is { Length: > 0 } space)
        {
            name = ResponsesRequests.FlatName(space, name);
        }
        // A stream's added item has no arguments yet; a whole answer's are read by ReadWhole.
        events.ToolCall(Str(item, "call_id") ?? Str(item, "id") ?? "", name);
    }

    private void Terminal(JsonElement response)
    {
        if (response.TryGetProperty("usage", out var usage) && OpenAIJson.ReadUsage(usage, WireProtocol.OpenAIResponses) is { } tokens)
        {
            events.Usage(tokens);
        }
        var reason = Str(response, "status") == "incomplete"
            ? (response.TryGetProperty("incomplete_details", out var details) && Str(details, "reason") == "content_filter" ? StopReason.Refusal : StopReason.MaxTokens)
            : _sawToolCall ? StopReason.ToolUse : StopReason.EndTurn;
        events.Finish(reason, null);
        events.End();
    }

    private void Fail(JsonElement error)
    {
        if (_failed)
        {
            return;
        }
        _failed = true;
        events.Fail(OpenAIJson.ReadError(200, error.ValueKind == JsonValueKind.Object ? error : default));
    }
}
