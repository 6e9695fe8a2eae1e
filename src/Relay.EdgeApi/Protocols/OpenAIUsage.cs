using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// OpenAI-style usage (chat's <c>CompletionUsage</c>, GLM's copy of it, and Responses' <c>ResponseUsage</c>). The
/// provider's totals include their details; Relay's buckets are disjoint, so cached and cache-write tokens come
/// out of input and reasoning tokens out of output.
/// </summary>
internal static class OpenAIUsage
{
    /// <summary>Reads the usage object the reader is on; null (reader skipped past it) when it is not an object.</summary>
    public static TokenUsage? Read(ref Utf8JsonReader reader, WireProtocol protocol) => protocol == WireProtocol.OpenAIResponses
        ? Read(ref reader, "input_tokens"u8, "input_tokens_details"u8, "output_tokens"u8, "output_tokens_details"u8)
        : Read(ref reader, "prompt_tokens"u8, "prompt_tokens_details"u8, "completion_tokens"u8, "completion_tokens_details"u8);

    private static TokenUsage? Read(
        ref Utf8JsonReader reader,
        ReadOnlySpan<byte> inputName,
        ReadOnlySpan<byte> inputDetailsName,
        ReadOnlySpan<byte> outputName,
        ReadOnlySpan<byte> outputDetailsName)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long input = 0, output = 0, cached = 0, cacheWrite = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(inputName))
            {
                reader.Read();
                input = JsonScan.ReadCount(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals(outputName))
            {
                reader.Read();
                output = JsonScan.ReadCount(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals(inputDetailsName))
            {
                reader.Read();
                ReadInputDetails(ref reader, ref cached, ref cacheWrite);
            }
            else if (reader.ValueTextEquals(outputDetailsName))
            {
                reader.Read();
                ReadOutputDetails(ref reader, ref reasoning);
            }
            else
            {
                reader.Skip();
            }
        }

        // Clamp so that a provider whose details exceed its total cannot make a bucket negative.
        cached = Math.Min(cached, input);
        cacheWrite = Math.Min(cacheWrite, input - cached);
        reasoning = Math.Min(reasoning, output);
        return new TokenUsage(
            InputTokens: input - cached - cacheWrite,
            OutputTokens: output - reasoning,
            CacheReadTokens: cached,
            CacheWrite5mTokens: cacheWrite,
            CacheWrite1hTokens: 0,
            ReasoningTokens: reasoning);
    }

    private static void ReadInputDetails(ref Utf8JsonReader reader, ref long cached, ref long cacheWrite)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("cached_tokens"u8))
            {
                reader.Read();
                cached = JsonScan.ReadCount(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("cache_write_tokens"u8))
            {
                reader.Read();
                cacheWrite = JsonScan.ReadCount(ref reader) ?? 0;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadOutputDetails(ref Utf8JsonReader reader, ref long reasoning)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("reasoning_tokens"u8))
            {
                reader.Read();
                reasoning = JsonScan.ReadCount(ref reader) ?? 0;
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
