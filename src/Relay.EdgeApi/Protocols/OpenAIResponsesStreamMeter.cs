using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Meters an OpenAI Responses stream: id and model from <c>response.created</c>, usage, id and model from the
/// terminal <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>, the characters of
/// every text-like <c>*.delta</c>, each <c>response.web_search_call.completed</c> (a search billed per call), and
/// <c>event: error</c>. Other events are not parsed.
/// </summary>
internal sealed class OpenAIResponsesStreamMeter(int maxEventBytes) : SseStreamMeter(holdEvents: false, maxEventBytes)
{
    private TokenUsage? _usage;
    private bool _finished;
    private bool _sawError;
    private string? _id;
    private string? _model;
    private long _chars;
    private long _webSearches;

    public override MeteredCall Result =>
        new(_usage, _finished, _id, _model, _sawError, _chars) { UsageFinal = _usage is not null, WebSearchRequests = _webSearches };

    protected override bool IsMetered(ReadOnlySpan<byte> name) =>
        (name.EndsWith(".delta"u8) && !name.SequenceEqual("response.audio.delta"u8))
        || IsTerminal(name)
        || name.SequenceEqual("error"u8)
        || name.SequenceEqual(WebSearchCompleted)
        || (_id is null && IsOpening(name));

    protected override bool OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        var type = name.IsEmpty ? JsonScan.TopLevelType(data) : name;
        if (type.EndsWith(".delta"u8))
        {
            // Audio deltas are base64 sound, not text.
            if (!type.SequenceEqual("response.audio.delta"u8))
            {
                CountDelta(data);
            }
        }
        else if (type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8))
        {
            _finished = true;
            ReadResponse(data, terminal: true);
        }
        else if (type.SequenceEqual("response.failed"u8))
        {
            _finished = true;
            _sawError = true;
            ReadResponse(data, terminal: true);
        }
        else if (type.SequenceEqual("error"u8))
        {
            _sawError = true;
        }
        else if (type.SequenceEqual(WebSearchCompleted))
        {
            // Each search OpenAI ran is billed per call; counted as it ends, so a stream cut later still pays it.
            _webSearches++;
        }
        else if (_id is null && IsOpening(type))
        {
            ReadResponse(data, terminal: false);
        }

        return true;
    }

    private static ReadOnlySpan<byte> WebSearchCompleted => "response.web_search_call.completed"u8;

    private static bool IsTerminal(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8) || type.SequenceEqual("response.failed"u8);

    /// <summary>The events that carry the response object before it has usage.</summary>
    private static bool IsOpening(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("response.created"u8) || type.SequenceEqual("response.in_progress"u8) || type.SequenceEqual("response.queued"u8);

    private void CountDelta(ReadOnlySpan<byte> data)
    {
        var reader = JsonScan.Reader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                _chars += JsonScan.CountTextChars(ref reader, TextFields.OpenAIResponses, countScalar: true);
                return;
            }

            reader.Skip();
        }
    }

    private void ReadResponse(ReadOnlySpan<byte> data, bool terminal)
    {
        var reader = JsonScan.Reader(data);
        while (JsonScan.NextObjectProperty(ref reader, "response"u8))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    var id = JsonScan.ReadString(ref reader);
                    _id = terminal ? id ?? _id : _id ?? id;
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    var model = JsonScan.ReadString(ref reader);
                    _model = terminal ? model ?? _model : _model ?? model;
                }
                else if (terminal && reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    _usage = OpenAIUsage.Read(ref reader, WireProtocol.OpenAIResponses) ?? _usage;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }
}
