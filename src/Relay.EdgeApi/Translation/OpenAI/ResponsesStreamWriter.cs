using System.Text;
using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Writes an answer as a Responses stream, with a <c>sequence_number</c> on every event:
/// <c>response.created</c> and <c>response.in_progress</c>; per output item <c>response.output_item.added</c>, its
/// deltas and <c>response.output_item.done</c> with the whole item (text: <c>content_part.added</c>,
/// <c>output_text.delta</c>, <c>output_text.done</c>, <c>content_part.done</c>; thinking: a reasoning item with
/// <c>reasoning_summary_part.added</c>, <c>reasoning_summary_text.delta</c>, <c>.done</c>, <c>reasoning_summary_part.done</c>;
/// a tool call: a <c>function_call</c> item with <c>function_call_arguments.delta</c> and <c>.done</c>); then
/// <c>response.completed</c> (or <c>response.incomplete</c> when the output limit cut it) carrying every item and the usage.
/// A failure is <c>error</c> then <c>response.failed</c>. Items are kept only to repeat them in their <c>done</c> events
/// and the final response, as the protocol does; every delta is written as it arrives.
/// </summary>
internal sealed class ResponsesStreamWriter(SseOutput output, long created, Conversation request) : IAnswerEvents
{
    private readonly List<Item> _items = [];
    private Item? _open;
    private int _sequence;
    private string _id = "";
    private string _model = "";
    private bool _started;
    private bool _ended;
    private TokenUsage? _usage;
    private StopReason _stop = StopReason.EndTurn;

    private enum Kind
    {
        Message,
        Reasoning,
        FunctionCall,
    }

    private sealed class Item(Kind kind, string id, int index)
    {
        public Kind Kind { get; } = kind;

        public string Id { get; } = id;

        public int Index { get; } = index;

        public StringBuilder Text { get; } = new();

        public string? CallId { get; init; }

        public string? Name { get; init; }

        public string? Namespace { get; init; }

        public string? EncryptedContent { get; set; }

        public bool Done { get; set; }
    }

    public void Start(string id, string model)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        _id = id.StartsWith("resp_", StringComparison.Ordinal) ? id : "resp_" + id;
        _model = model;
        var w = Begin("response.created");
        w.WritePropertyName("response");
        WriteResponse(w, "in_progress");
        output.End();
        w = Begin("response.in_progress");
        w.WritePropertyName("response");
        WriteResponse(w, "in_progress");
        output.End();
    }

    public void Text(string delta)
    {
        var item = Open(Kind.Message);
        item.Text.Append(delta);
        var w = Begin("response.output_text.delta");
        Position(w, item);
        w.WriteString("delta", delta);
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
        output.End();
    }

    public void Thinking(string delta)
    {
        var item = Open(Kind.Reasoning);
        if (item.Text.Length == 0)
        {
            var added = Begin("response.reasoning_summary_part.added");
            SummaryPosition(added, item);
            added.WriteStartObject("part");
            added.WriteString("type", "summary_text");
            added.WriteString("text", "");
            added.WriteEndObject();
            output.End();
        }
        item.Text.Append(delta);
        var w = Begin("response.reasoning_summary_text.delta");
        SummaryPosition(w, item);
        w.WriteString("delta", delta);
        output.End();
    }

    public void ThinkingSignature(string signature)
    {
        var item = Open(Kind.Reasoning);
        item.EncryptedContent = ReasoningCarrier.Wrap((item.EncryptedContent is null ? "" : ReasoningCarrier.Unwrap(item.EncryptedContent)) + signature, redacted: false);
    }

    public void RedactedThinking(string data)
    {
        Close();
        var item = Open(Kind.Reasoning);
        item.EncryptedContent = ReasoningCarrier.Wrap(data, redacted: true);
        Close();
    }

    public void ToolCall(string id, string name)
    {
        Close();
        var (space, plain) = request.NamespacedTools.TryGetValue(name, out var original) ? (original.Namespace, original.Name) : ((string?)null, name);
        var item = new Item(Kind.FunctionCall, ItemId("fc_"), _items.Count) { CallId = id, Name = plain, Namespace = space };
        _items.Add(item);
        _open = item;
        var w = Begin("response.output_item.added");
        w.WriteNumber("output_index", item.Index);
        w.WritePropertyName("item");
        WriteItem(w, item, "in_progress");
        output.End();
    }

    public void ToolArguments(string delta)
    {
        if (_open is not { Kind: Kind.FunctionCall } item || delta.Length == 0)
        {
            return;
        }
        item.Text.Append(delta);
        var w = Begin("response.function_call_arguments.delta");
        w.WriteString("item_id", item.Id);
        w.WriteNumber("output_index", item.Index);
        w.WriteString("delta", delta);
        output.End();
    }

    public void EndPart() => Close();

    public void Usage(TokenUsage usage) => _usage = usage;

    public void Finish(StopReason reason, string? stopSequence) => _stop = reason;

    public void End()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        Close();
        var incomplete = _stop is StopReason.MaxTokens or StopReason.Refusal;
        var w = Begin(incomplete ? "response.incomplete" : "response.completed");
        w.WritePropertyName("response");
        WriteResponse(w, incomplete ? "incomplete" : "completed");
        output.End();
    }

    public void Fail(UpstreamError error)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        var code = error.Kind switch
        {
            "rate_limit_error" => "rate_limit_exceeded",
            "invalid_request_error" => "invalid_prompt",
            _ => "server_error",
        };
        var w = Begin("error");
        w.WriteString("code", code);
        w.WriteString("message", error.Message);
        w.WriteNull("param");
        output.End();
        w = Begin("response.failed");
        w.WritePropertyName("response");
        WriteResponse(w, "failed", (code, error.Message));
        output.End();
    }

    private Utf8JsonWriter Begin(string type)
    {
        var w = output.Begin(type);
        w.WriteString("type", type);
        w.WriteNumber("sequence_number", _sequence++);
        return w;
    }

    private Item Open(Kind kind)
    {
        if (_open is { } open && open.Kind == kind)
        {
            return open;
        }
        Close();
        var prefix = kind == Kind.Message ? "msg_" : "rs_";
        var item = new Item(kind, ItemId(prefix), _items.Count);
        _items.Add(item);
        _open = item;
        var w = Begin("response.output_item.added");
        w.WriteNumber("output_index", item.Index);
        w.WritePropertyName("item");
        WriteItem(w, item, "in_progress");
        output.End();
        if (kind == Kind.Message)
        {
            w = Begin("response.content_part.added");
            Position(w, item);
            w.WritePropertyName("part");
            WriteTextPart(w, "");
            output.End();
        }
        return item;
    }

    private void Close()
    {
        if (_open is not { } item)
        {
            return;
        }
        _open = null;
        item.Done = true;
        Utf8JsonWriter w;
        switch (item.Kind)
        {
            case Kind.Message:
                w = Begin("response.output_text.done");
                Position(w, item);
                w.WriteString("text", item.Text.ToString());
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                output.End();
                w = Begin("response.content_part.done");
                Position(w, item);
                w.WritePropertyName("part");
                WriteTextPart(w, item.Text.ToString());
                output.End();
                break;
            case Kind.Reasoning when item.Text.Length > 0:
                w = Begin("response.reasoning_summary_text.done");
                SummaryPosition(w, item);
                w.WriteString("text", item.Text.ToString());
                output.End();
                w = Begin("response.reasoning_summary_part.done");
                SummaryPosition(w, item);
                w.WriteStartObject("part");
                w.WriteString("type", "summary_text");
                w.WriteString("text", item.Text.ToString());
                w.WriteEndObject();
                output.End();
                break;
            case Kind.FunctionCall:
                w = Begin("response.function_call_arguments.done");
                w.WriteString("item_id", item.Id);
                w.WriteNumber("output_index", item.Index);
                w.WriteString("arguments", item.Text.ToString());
                output.End();
                break;
            default:
                break;
        }
        w = Begin("response.output_item.done");
        w.WriteNumber("output_index", item.Index);
        w.WritePropertyName("item");
        WriteItem(w, item, "completed");
        output.End();
    }

    /// <summary>Item ids follow from the response's: the same answer always reads the same, however it was chunked.</summary>
    private string ItemId(string prefix) => $"{prefix}{_id["resp_".Length..]}_{_items.Count}";

    private static void Position(Utf8JsonWriter w, Item item)
    {
        w.WriteString("item_id", item.Id);
        w.WriteNumber("output_index", item.Index);
        w.WriteNumber("content_index", 0);
    }

    private static void SummaryPosition(Utf8JsonWriter w, Item item)
    {
        w.WriteString("item_id", item.Id);
        w.WriteNumber("output_index", item.Index);
        w.WriteNumber("summary_index", 0);
    }

    private static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private void WriteItem(Utf8JsonWriter w, Item item, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", item.Id);
        switch (item.Kind)
        {
            case Kind.Message:
                w.WriteString("type", "message");
                w.WriteString("status", status);
                w.WriteStartArray("content");
                if (status == "completed")
                {
                    WriteTextPart(w, item.Text.ToString());
                }
                w.WriteEndArray();
                w.WriteString("role", "assistant");
                break;
            case Kind.Reasoning:
                w.WriteString("type", "reasoning");
                if (item.EncryptedContent is { } encrypted && request.IncludeEncryptedReasoning)
                {
                    w.WriteString("encrypted_content", encrypted);
                }
                w.WriteStartArray("summary");
                if (status == "completed" && item.Text.Length > 0)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", item.Text.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteString("type", "function_call");
                w.WriteString("status", status);
                w.WriteString("arguments", status == "completed" ? item.Text.ToString() : "");
                w.WriteString("call_id", item.CallId);
                w.WriteString("name", item.Name);
                if (item.Namespace is not null)
                {
                    w.WriteString("namespace", item.Namespace);
                }
                break;
        }
        w.WriteEndObject();
    }

    private void WriteResponse(Utf8JsonWriter w, string status, (string Code, string Message)? error = null)
    {
        ResponsesAnswers.WriteResponseHead(w, _id, created, status, _model, request, error, _stop);
        w.WriteStartArray("output");
        if (status != "in_progress")
        {
            foreach (var item in _items.Where(item => item.Done))
            {
                WriteItem(w, item, "completed");
            }
        }
        w.WriteEndArray();
        ResponsesAnswers.WriteResponseTail(w, request, status == "in_progress" || status == "failed" ? null : _usage ?? TokenUsage.None);
        w.WriteEndObject();
    }
}

/// <summary>
/// Anthropic's thinking signatures carried through a Responses client as <c>encrypted_content</c>, marked so that
/// only Relay's own carriers go back to Anthropic (an OpenAI reasoning item's content means nothing there).
/// </summary>
internal static class ReasoningCarrier
{
    private const string Signed = "relay.anthropic.thinking:";
    private const string Redacted = "relay.anthropic.redacted:";

    public static string Wrap(string value, bool redacted) => (redacted ? Redacted : Signed) + value;

    public static string Unwrap(string carried) =>
        carried.StartsWith(Signed, StringComparison.Ordinal) ? carried[Signed.Length..]
        : carried.StartsWith(Redacted, StringComparison.Ordinal) ? carried[Redacted.Length..]
        : carried;

    /// <summary>The thinking an encrypted_content carries back to Anthropic, or null when it is not Relay's.</summary>
    public static ThinkingPart? Read(string? carried, string text) => carried switch
    {
        { } signed when signed.StartsWith(Signed, StringComparison.Ordinal) => new ThinkingPart(text, signed[Signed.Length..]),
        { } redacted when redacted.StartsWith(Redacted, StringComparison.Ordinal) => new ThinkingPart("", redacted[Redacted.Length..], Redacted: true),
        _ => null,
    };
}
