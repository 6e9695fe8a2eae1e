using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Writes an answer as a chat completions stream: <c>data:</c> chunks of <c>chat.completion.chunk</c>, the first with
/// the role, then <c>content</c>, <c>reasoning_content</c> (the field GLM and others use for thinking) and
/// <c>tool_calls</c> deltas (id, type and name on a call's first chunk, then only its index and argument pieces), a
/// chunk with <c>finish_reason</c>, the usage-only chunk (<c>"choices":[]</c>) when the client asked for
/// <c>include_usage</c>, and <c>[DONE]</c>. A failure is a chunk carrying <c>error</c>, as OpenAI's SDKs expect.
/// </summary>
internal sealed class ChatStreamWriter(SseOutput output, long created, bool includeUsage) : IAnswerEvents
{
    private string _id = "";
    private string _model = "";
    private bool _started;
    private bool _ended;
    private int _toolIndex = -1;
    private bool _inTool;
    private TokenUsage _usage = TokenUsage.None;
    private StopReason _stop = StopReason.EndTurn;
    private Utf8JsonWriter? _chunk;

    public void Start(string id, string model)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        _id = id;
        _model = model;
        var w = Chunk();
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
        w.WriteNull("refusal");
        EndChunk(null);
    }

    public void Text(string delta)
    {
        _inTool = false;
        Chunk().WriteString("content", delta);
        EndChunk(null);
    }

    public void Thinking(string delta)
    {
        _inTool = false;
        Chunk().WriteString("reasoning_content", delta);
        EndChunk(null);
    }

    public void ThinkingSignature(string signature)
    {
        // Chat has no place for a signature; the thinking itself went out as reasoning_content.
    }

    public void RedactedThinking(string data)
    {
        // Encrypted thinking means nothing to a chat client.
    }

    public void ToolCall(string id, string name)
    {
        _toolIndex++;
        _inTool = true;
        var w = Chunk();
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", _toolIndex);
        w.WriteString("id", id);
        w.WriteString("type", "function");
        w.WriteStartObject("function");
        w.WriteString("name", name);
        w.WriteString("arguments", "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        EndChunk(null);
    }

    public void ToolArguments(string delta)
    {
        if (!_inTool || delta.Length == 0)
        {
            return;
        }
        var w = Chunk();
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", _toolIndex);
        w.WriteStartObject("function");
        w.WriteString("arguments", delta);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        EndChunk(null);
    }

    public void EndPart() => _inTool = false;

    public void Usage(TokenUsage usage) => _usage = usage;

    public void Finish(StopReason reason, string? stopSequence)
    {
        _stop = reason;
    }

    public void End()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        Chunk();
        EndChunk(OpenAIJson.FinishReason(_stop));
        if (includeUsage)
        {
            var w = output.Begin(null);
            Head(w);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            w.WriteStartObject("usage");
            OpenAIJson.WriteUsage(w, _usage, responses: false);
            w.WriteEndObject();
            output.End();
        }
        output.Raw("[DONE]"u8);
    }

    public void Fail(UpstreamError error)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        var w = output.Begin(null);
        OpenAIJson.WriteErrorObject(w, error);
        output.End();
    }

    private Utf8JsonWriter Chunk()
    {
        var w = output.Begin(null);
        Head(w);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        _chunk = w;
        return w;
    }

    private void EndChunk(string? finishReason)
    {
        var w = _chunk!;
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        if (includeUsage)
        {
            // With include_usage every chunk but the last carries "usage": null, as the spec says.
            w.WriteNull("usage");
        }
        output.End();
        _chunk = null;
    }

    private void Head(Utf8JsonWriter w)
    {
        w.WriteString("id", _id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", _model);
    }
}
