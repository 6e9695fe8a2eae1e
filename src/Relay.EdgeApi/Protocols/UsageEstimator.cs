using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Estimates a call's usage when the provider never reported it (client gone, upstream cut), with the o200k_base
/// tokenizer. It reads the request again and tokenizes its text, so it is for that rare path, never a normal call.
/// </summary>
public static class UsageEstimator
{
    /// <summary>Framing each message, system prompt or input item costs a few tokens on every provider.</summary>
    public const int TokensPerMessage = 4;

    /// <summary>A flat charge per image: its real cost depends on pixels Relay does not decode.</summary>
    public const int TokensPerImage = 1_000;

    /// <summary>English runs about four characters to a token; used for output seen only as a character count.</summary>
    public const int CharsPerToken = 4;

    // Loaded on first use: the vocabulary is large and most edges never need it.
    private static readonly Lazy<Tokenizer> _tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>Tokens of <paramref name="text"/> in o200k_base.</summary>
    public static int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : _tokenizer.Value.CountTokens(text);
    }

    /// <summary>
    /// Counts the request's text (messages, system, input, instructions, and the tool definitions as written) plus
    /// <see cref="TokensPerMessage"/> a message and <see cref="TokensPerImage"/> an image, and the output: the
    /// tokens of <paramref name="outputText"/> when given, else <see cref="MeteredCall.OutputCharsSeen"/> /
    /// <see cref="CharsPerToken"/>. What the provider did report (Anthropic's <c>message_start</c> gives input and
    /// cache before any output) is kept, and output never falls below what it reported. Usage marked
    /// <see cref="MeteredCall.UsageFinal"/> is returned as it is.
    /// </summary>
    public static TokenUsage Estimate(WireProtocol protocol, ReadOnlySpan<byte> requestBody, MeteredCall seen, string? outputText = null)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (seen.UsageFinal && seen.Usage is not null)
        {
            return seen.Usage;
        }

        var output = outputText is not null
            ? CountTokens(outputText)
            : (seen.OutputCharsSeen + CharsPerToken - 1) / CharsPerToken;

        var reported = seen.Usage;
        var reportedInput = reported is null
            ? 0
            : reported.InputTokens + reported.CacheReadTokens + reported.CacheWrite5mTokens + reported.CacheWrite1hTokens;
        if (reported is not null && reportedInput > 0)
        {
            return reported with { OutputTokens = Math.Max(reported.OutputTokens, output - reported.ReasoningTokens) };
        }

        _ = protocol;
        var input = CountRequestTokens(requestBody);
        return reported is null
            ? new TokenUsage(input, output)
            : reported with { InputTokens = input, OutputTokens = Math.Max(reported.OutputTokens, output - reported.ReasoningTokens) };
    }

    /// <summary>
    /// Estimated input tokens of a request body; zero for a body that is not a JSON object. The three protocols
    /// keep their prompt under the same few keys, so one walk serves them all.
    /// </summary>
    public static long CountRequestTokens(ReadOnlySpan<byte> requestBody)
    {
        try
        {
            var reader = JsonScan.Reader(requestBody);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            long tokens = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
                {
                    // Tool definitions reach the model as their JSON schema text.
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                    {
                        tokens += CountTokens(Encoding.UTF8.GetString(requestBody[start..(int)reader.BytesConsumed]));
                    }
                }
                else if (reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("input"u8))
                {
                    reader.Read();
                    tokens += CountConversation(ref reader);
                }
                else if (reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("instructions"u8))
                {
                    reader.Read();
                    tokens += TokensPerMessage + CountConversation(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            return tokens;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Text tokens of every string under the value the reader is on, except identifiers, media and signatures;
    /// plus the per-message and per-image charges.
    /// </summary>
    private static long CountConversation(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return CountTokens(reader.GetString()!);
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return 0;
        }

        var startDepth = reader.CurrentDepth;
        long tokens = reader.TokenType == JsonTokenType.StartArray ? 0 : TokensPerMessage;
        var count = true;
        var isType = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    isType = reader.ValueTextEquals("type"u8);
                    count = !IsNotText(ref reader);
                    break;
                case JsonTokenType.StartObject:
                    if (reader.CurrentDepth == startDepth + 1)
                    {
                        tokens += TokensPerMessage;
                    }

                    if (!count)
                    {
                        reader.Skip();
                        count = true;
                    }

                    break;
                case JsonTokenType.StartArray:
                    if (!count)
                    {
                        reader.Skip();
                        count = true;
                    }

                    break;
                case JsonTokenType.String:
                    if (isType)
                    {
                        if (reader.ValueTextEquals("image"u8) || reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("input_image"u8))
                        {
                            tokens += TokensPerImage;
                        }
                    }
                    else if (count)
                    {
                        tokens += CountTokens(reader.GetString()!);
                    }

                    isType = false;
                    count = true;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray when reader.CurrentDepth == startDepth:
                    return tokens;
                default:
                    isType = false;
                    count = true;
                    break;
            }
        }

        return tokens;
    }

    private static bool IsNotText(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("role"u8)
        || reader.ValueTextEquals("id"u8)
        || reader.ValueTextEquals("tool_use_id"u8)
        || reader.ValueTextEquals("tool_call_id"u8)
        || reader.ValueTextEquals("call_id"u8)
        || reader.ValueTextEquals("signature"u8)
        || reader.ValueTextEquals("encrypted_content"u8)
        || reader.ValueTextEquals("data"u8)
        || reader.ValueTextEquals("media_type"u8)
        || reader.ValueTextEquals("url"u8)
        || reader.ValueTextEquals("image_url"u8)
        || reader.ValueTextEquals("file_id"u8)
        || reader.ValueTextEquals("file_data"u8)
        || reader.ValueTextEquals("detail"u8)
        || reader.ValueTextEquals("cache_control"u8);
}
