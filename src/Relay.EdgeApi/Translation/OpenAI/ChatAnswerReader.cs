using System.Text.Json;
using Relay.EdgeApi.Protocols;
using static Relay.EdgeApi.Translation.Anthropic.AnthropicAnswerReader;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Reads a chat completions answer (OpenAI's or GLM's), streamed or whole, into answer events: <c>content</c> and
/// <c>refusal</c> as text, <c>reasoning_content</c> as thinking, <c>tool_calls</c> by index (a new index or id opens
/// a call), <c>finish_reason</c>, the usage wherever it comes (OpenAI's usage-only chunk, GLM's last chunk), and
/// <c>[DONE]</c> as the end. Only choice 0 is read: a translated request never asks for more.
/// </summary>
internal sealed class ChatAnswerReader(IAnswerEvents events) : ISseEventSink
{
    private bool _started;
    private int _toolIndex = -1;
    private string? _toolId;
    private bool _finished;

    public void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        if (data.Trim(" \t"u8).SequenceEqual("[DONE]"u8))
        {
            events.End();
            return;
        }
        using var document = JsonDocument.Parse(data.ToArray());
        var chunk = document.RootElement;
        if (chunk.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            events.Fail(OpenAIJson.ReadError(200, chunk));
            return;
        }
        StartOnce(chunk);
        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.TryGetProperty("index", out var index) && index.ValueKind == JsonValueKind.Number && index.GetInt32() != 0)
                {
                    continue;
                }
                if (choice.TryGetProperty("delta", out var delta))
                {
                    Message(delta);
                }
                if (Str(choice, "finish_reason") is { } finish)
                {
                    _finished = true;
                    events.Finish(OpenAIJson.ParseFinishReason(finish), null);
                }
            }
        }
        if (chunk.TryGetProperty("usage", out var usage) && OpenAIJson.ReadUsage(usage, WireProtocol.OpenAIChat) is { } tokens)
        {
            events.Usage(tokens);
        }
    }

    /// <summary>A whole chat completion.</summary>
    public void ReadWhole(JsonElement completion)
    {
        StartOnce(completion);
        if (completion.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (choice.TryGetProperty("message", out var message))
            {
                Message(message);
            }
            events.Finish(OpenAIJson.ParseFinishReason(Str(choice, "finish_reason")), null);
        }
        if (completion.TryGetProperty("usage", out var usage) && OpenAIJson.ReadUsage(usage, WireProtocol.OpenAIChat) is { } tokens)
        {
            events.Usage(tokens);
        }
        events.End();
    }

    /// <summary>True once the answer said how it finished (a stream cut before that is not whole).</summary>
    public bool Finished => _finished;

    private void StartOnce(JsonElement chunk)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        events.Start(Str(chunk, "id") ?? "", Str(chunk, "model") ?? "");
    }

    private void Message(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if ((Str(message, "reasoning_content") ?? Str(message, "reasoning")) is { Length: > 0 } reasoning)
        {
            events.Thinking(reasoning);
        }
        if (Str(message, "content") is { Length: > 0 } content)
        {
            events.Text(content);
        }
        if (Str(message, "refusal") is { Length: > 0 } refusal)
        {
            events.Text(refusal);
        }
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : _toolIndex + 1;
                var function = call.TryGetProperty("function", out var f) ? f : default;
                var id = Str(call, "id");
                // Calls arrive one after another: a higher index, or a new id, starts the next one.
                if (index > _toolIndex || (id is { Length: > 0 } && id != _toolId))
                {
                    _toolIndex = Math.Max(index, _toolIndex);
                    _toolId = id is { Length: > 0 } ? id : $"call_{index}";
                    events.ToolCall(_toolId, Str(function, "name") ?? "");
                }
                if (Str(function, "arguments") is { Length: > 0 } arguments)
                {
                    events.ToolArguments(arguments);
                }
            }
        }
    }
}
