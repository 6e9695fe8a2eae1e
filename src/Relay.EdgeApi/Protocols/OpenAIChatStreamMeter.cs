using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Meters an OpenAI (or GLM) chat completions stream: <c>data:</c> chunks only, id and model from the first chunk,
/// usage from the chunk that carries a <c>usage</c> object (OpenAI's usage-only <c>"choices":[]</c> chunk, or
/// GLM's last chunk that has choices too), <c>[DONE]</c> as the end. Created with <c>strip</c>, it drops the
/// usage-only chunk that Relay asked for on the client's behalf; a chunk with choices is never dropped.
/// </summary>
internal sealed class OpenAIChatStreamMeter(bool strip, int maxEventBytes) : SseStreamMeter(holdEvents: strip, maxEventBytes)
{
    private TokenUsage? _usage;
    private bool _finished;
    private bool _sawError;
    private string? _id;
    private string? _model;
    private long _chars;

    public override MeteredCall Result =>
        new(_usage, _finished, _id, _model, _sawError, _chars) { UsageFinal = _usage is not null };

    protected override bool OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        if (data.Trim(" \t"u8).SequenceEqual("[DONE]"u8))
        {
            _finished = true;
            return true;
        }

        var reader = JsonScan.Reader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return true;
        }

        var emptyChoices = false;
        var hasUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    var peek = reader;
                    emptyChoices = peek.Read() && peek.TokenType == JsonTokenType.EndArray;
                }

                _chars += JsonScan.CountTextChars(ref reader, TextFields.OpenAIChat);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                var usage = OpenAIUsage.Read(ref reader, WireProtocol.OpenAIChat);
                if (usage is not null)
                {
                    _usage = usage;
                    hasUsage = true;
                }
            }
            else if (_id is null && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                _id = JsonScan.ReadString(ref reader);
            }
            else if (_model is null && reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                _model = JsonScan.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                _sawError |= reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
            }
            else
            {
                reader.Skip();
            }
        }

        // Only the exact usage-only shape is dropped: anything with choices, or without a choices array, goes through.
        return !(HoldsEvents && hasUsage && emptyChoices);
    }
}
