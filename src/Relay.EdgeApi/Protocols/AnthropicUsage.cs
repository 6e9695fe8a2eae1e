using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Anthropic's usage fields as last reported. <c>message_start</c> carries input and cache counts and
/// <c>message_delta</c> a cumulative usage; a field present in a later object overrides the earlier value, a field
/// absent leaves it.
/// </summary>
internal struct AnthropicUsage
{
    private long? _input;
    private long? _output;
    private long? _cacheRead;
    private long? _cacheCreation;
    private long? _ephemeral5m;
    private long? _ephemeral1h;

    public bool Seen { get; private set; }

    public long WebSearchRequests { get; private set; }

    /// <summary>Merges the usage object the reader is on (its StartObject); leaves the reader on its EndObject.</summary>
    public void Merge(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        Seen = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                _input = JsonScan.ReadCount(ref reader) ?? _input;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                _output = JsonScan.ReadCount(ref reader) ?? _output;
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                reader.Read();
                _cacheRead = JsonScan.ReadCount(ref reader) ?? _cacheRead;
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                reader.Read();
                _cacheCreation = JsonScan.ReadCount(ref reader) ?? _cacheCreation;
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                reader.Read();
                MergeCacheCreation(ref reader);
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                reader.Read();
                MergeServerToolUse(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void MergeServerToolUse(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("web_search_requests"u8))
            {
                reader.Read();
                WebSearchRequests = JsonScan.ReadCount(ref reader) ?? WebSearchRequests;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void MergeCacheCreation(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ephemeral_5m_input_tokens"u8))
            {
                reader.Read();
                _ephemeral5m = JsonScan.ReadCount(ref reader) ?? _ephemeral5m;
            }
            else if (reader.ValueTextEquals("ephemeral_1h_input_tokens"u8))
            {
                reader.Read();
                _ephemeral1h = JsonScan.ReadCount(ref reader) ?? _ephemeral1h;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>
    /// input_tokens already excludes cache. The per-duration breakdown, when given, is what is priced (the docs'
    /// own example has a total that disagrees with it); a bare cache_creation_input_tokens counts as 5-minute writes.
    /// </summary>
    public readonly TokenUsage? ToTokenUsage()
    {
        if (!Seen)
        {
            return null;
        }

        var hasBreakdown = _ephemeral5m.HasValue || _ephemeral1h.HasValue;
        return new TokenUsage(
            InputTokens: _input ?? 0,
            OutputTokens: _output ?? 0,
            CacheReadTokens: _cacheRead ?? 0,
            CacheWrite5mTokens: hasBreakdown ? _ephemeral5m ?? 0 : _cacheCreation ?? 0,
            CacheWrite1hTokens: hasBreakdown ? _ephemeral1h ?? 0 : 0,
            ReasoningTokens: 0);
    }
}
