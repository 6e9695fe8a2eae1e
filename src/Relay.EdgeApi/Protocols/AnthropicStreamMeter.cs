using System.Text.Json;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Meters an Anthropic Messages stream: id, model, input and cache usage from <c>message_start</c>, the cumulative
/// usage from <c>message_delta</c>, <c>message_stop</c> as the end, <c>event: error</c>. Only those events and
/// <c>content_block_delta</c> (for the characters of text, thinking and tool input) are parsed.
/// </summary>
internal sealed class AnthropicStreamMeter(int maxEventBytes) : SseStreamMeter(holdEvents: false, maxEventBytes)
{
    private AnthropicUsage _usage;
    private bool _finished;
    private bool _sawError;
    private string? _id;
    private string? _model;
    private long _chars;
    private bool _usageFinal;

    public override MeteredCall Result =>
        new(_usage.ToTokenUsage(), _finished, _id, _model, _sawError, _chars)
        {
            UsageFinal = _usageFinal,
            WebSearchRequests = _usage.WebSearchRequests,
        };

    protected override bool IsMetered(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("content_block_delta"u8)
        || name.SequenceEqual("message_start"u8)
        || name.SequenceEqual("message_delta"u8)
        || name.SequenceEqual("message_stop"u8)
        || name.SequenceEqual("error"u8);

    protected override bool OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        var type = name.IsEmpty ? JsonScan.TopLevelType(data) : name;
        if (type.SequenceEqual("content_block_delta"u8))
        {
            CountDelta(data);
        }
        else if (type.SequenceEqual("message_start"u8))
        {
            ReadMessageStart(data);
        }
        else if (type.SequenceEqual("message_delta"u8))
        {
            ReadMessageDelta(data);
        }
        else if (type.SequenceEqual("message_stop"u8))
        {
            _finished = true;
        }
        else if (type.SequenceEqual("error"u8))
        {
            _sawError = true;
        }

        return true;
    }

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
                _chars += JsonScan.CountTextChars(ref reader, TextFields.Anthropic);
                return;
            }

            reader.Skip();
        }
    }

    private void ReadMessageStart(ReadOnlySpan<byte> data)
    {
        var reader = JsonScan.Reader(data);
        while (JsonScan.NextObjectProperty(ref reader, "message"u8))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    _id = JsonScan.ReadString(ref reader) ?? _id;
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    _model = JsonScan.ReadString(ref reader) ?? _model;
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    _usage.Merge(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private void ReadMessageDelta(ReadOnlySpan<byte> data)
    {
        var reader = JsonScan.Reader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                _usageFinal |= reader.TokenType == JsonTokenType.StartObject;
                _usage.Merge(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
