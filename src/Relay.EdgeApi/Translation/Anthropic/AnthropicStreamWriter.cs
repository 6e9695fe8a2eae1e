using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Translation.Anthropic;

/// <summary>
/// Writes an answer as an Anthropic Messages stream, event by event:
/// <c>message_start</c> (usage zero: other providers count input only at the end), per part a
/// <c>content_block_start</c>, its deltas (<c>text_delta</c>, <c>thinking_delta</c>, <c>signature_delta</c>,
/// <c>input_json_delta</c>) and <c>content_block_stop</c>; then <c>message_delta</c> with the stop reason and the
/// whole usage, and <c>message_stop</c>. A failure is an <c>event: error</c>.
/// </summary>
internal sealed class AnthropicStreamWriter(SseOutput output) : IAnswerEvents
{
    private enum Block
    {
        None,
        Text,
        Thinking,
        ToolUse,
    }

    private Block _open;
    private int _index = -1;
    private bool _started;
    private bool _ended;
    private TokenUsage _usage = TokenUsage.None;
    private StopReason _stop = StopReason.EndTurn;
    private string? _stopSequence;

    public void Start(string id, string model)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        var w = output.Begin("message_start");
        w.WriteString("type", "message_start");
        w.WriteStartObject("message");
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        w.WriteStartObject("usage");
        AnthropicUsageJson.Write(w, TokenUsage.None);
        w.WriteEndObject();
        w.WriteEndObject();
        output.End();
    }

    public void Text(string delta)
    {
        Open(Block.Text);
        Delta("text_delta", "text", delta);
    }

    public void Thinking(string delta)
    {
        Open(Block.Thinking);
        Delta("thinking_delta", "thinking", delta);
    }

    public void ThinkingSignature(string signature)
    {
        Open(Block.Thinking);
        Delta("signature_delta", "signature", signature);
    }

    public void RedactedThinking(string data)
    {
        Close();
        _index++;
        var w = output.Begin("content_block_start");
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", _index);
        w.WriteStartObject("content_block");
        w.WriteString("type", "redacted_thinking");
        w.WriteString("data", data);
        w.WriteEndObject();
        output.End();
        _open = Block.ToolUse; // any block: the next part or EndPart closes it
        Close();
    }

    public void ToolCall(string id, string name)
    {
        Close();
        _index++;
        _open = Block.ToolUse;
        var w = output.Begin("content_block_start");
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", _index);
        w.WriteStartObject("content_block");
        w.WriteString("type", "tool_use");
        w.WriteString("id", id);
        w.WriteString("name", name);
        w.WriteStartObject("input");
        w.WriteEndObject();
        w.WriteEndObject();
        output.End();
    }

    public void ToolArguments(string delta)
    {
        if (_open != Block.ToolUse)
        {
            return;
        }
        Delta("input_json_delta", "partial_json", delta);
    }

    public void EndPart() => Close();

    public void Usage(TokenUsage usage) => _usage = usage;

    public void Finish(StopReason reason, string? stopSequence)
    {
        _stop = reason;
        _stopSequence = stopSequence;
    }

    public void End()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        Close();
        var w = output.Begin("message_delta");
        w.WriteString("type", "message_delta");
        w.WriteStartObject("delta");
        w.WriteString("stop_reason", AnthropicStopReasons.Name(_stop));
        if (_stopSequence is null)
        {
            w.WriteNull("stop_sequence");
        }
        else
        {
            w.WriteString("stop_sequence", _stopSequence);
        }
        w.WriteEndObject();
        w.WriteStartObject("usage");
        AnthropicUsageJson.Write(w, _usage);
        w.WriteEndObject();
        output.End();
        w = output.Begin("message_stop");
        w.WriteString("type", "message_stop");
        output.End();
    }

    public void Fail(UpstreamError error)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        var w = output.Begin("error");
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", error.Kind);
        w.WriteString("message", error.Message);
        w.WriteEndObject();
        output.End();
    }

    private void Open(Block block)
    {
        if (_open == block)
        {
            return;
        }
        Close();
        _index++;
        _open = block;
        var w = output.Begin("content_block_start");
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", _index);
        w.WriteStartObject("content_block");
        if (block == Block.Text)
        {
            w.WriteString("type", "text");
            w.WriteString("text", "");
        }
        else
        {
            w.WriteString("type", "thinking");
            w.WriteString("thinking", "");
            w.WriteString("signature", "");
        }
        w.WriteEndObject();
        output.End();
    }

    private void Close()
    {
        if (_open == Block.None)
        {
            return;
        }
        _open = Block.None;
        var w = output.Begin("content_block_stop");
        w.WriteString("type", "content_block_stop");
        w.WriteNumber("index", _index);
        output.End();
    }

    private void Delta(string type, string field, string value)
    {
        var w = output.Begin("content_block_delta");
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", _index);
        w.WriteStartObject("delta");
        w.WriteString("type", type);
        w.WriteString(field, value);
        w.WriteEndObject();
        output.End();
    }
}

/// <summary>Anthropic's stop reasons.</summary>
internal static class AnthropicStopReasons
{
    public static string Name(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "max_tokens",
        StopReason.StopSequence => "stop_sequence",
        StopReason.ToolUse => "tool_use",
        StopReason.Refusal => "refusal",
        _ => "end_turn",
    };

    /// <summary><c>pause_turn</c> (a server tool paused) never reaches a translated call: Relay sends no server tools.</summary>
    public static StopReason Parse(string? name) => name switch
    {
        "max_tokens" or "model_context_window_exceeded" => StopReason.MaxTokens,
        "stop_sequence" => StopReason.StopSequence,
        "tool_use" => StopReason.ToolUse,
        "refusal" => StopReason.Refusal,
        _ => StopReason.EndTurn,
    };
}

/// <summary>Anthropic's usage object from Relay's disjoint buckets: thinking is output, cache tokens are not input.</summary>
internal static class AnthropicUsageJson
{
    public static void Write(Utf8JsonWriter w, TokenUsage usage)
    {
        w.WriteNumber("input_tokens", usage.InputTokens);
        w.WriteNumber("cache_creation_input_tokens", usage.CacheWrite5mTokens + usage.CacheWrite1hTokens);
        w.WriteNumber("cache_read_input_tokens", usage.CacheReadTokens);
        w.WriteStartObject("cache_creation");
        w.WriteNumber("ephemeral_5m_input_tokens", usage.CacheWrite5mTokens);
        w.WriteNumber("ephemeral_1h_input_tokens", usage.CacheWrite1hTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", usage.OutputTokens + usage.ReasoningTokens);
    }
}
