using System.Text.Json;
using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>Meters a non-streamed answer: the whole JSON body is already at hand.</summary>
public static class ResponseMeters
{
    /// <summary>
    /// Reads usage, id and model from a whole JSON answer, and whether it is an error body. <c>Finished</c> is true
    /// when the body parsed; a body cut short keeps whatever was read before the cut.
    /// </summary>
    public static MeteredCall Read(WireProtocol protocol, ReadOnlySpan<byte> body)
    {
        var anthropicUsage = default(AnthropicUsage);
        TokenUsage? openAIUsage = null;
        string? id = null;
        string? model = null;
        var sawError = false;
        long chars = 0;
        var finished = false;
        var textFields = protocol switch
        {
            WireProtocol.AnthropicMessages => TextFields.Anthropic,
            WireProtocol.OpenAIChat => TextFields.OpenAIChat,
            _ => TextFields.OpenAIResponses,
        };
        var textProperty = protocol switch
        {
            WireProtocol.AnthropicMessages => "content"u8,
            WireProtocol.OpenAIChat => "choices"u8,
            _ => "output"u8,
        };

        try
        {
            var reader = JsonScan.Reader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("usage"u8))
                    {
                        reader.Read();
                        if (protocol == WireProtocol.AnthropicMessages)
                        {
                            anthropicUsage.Merge(ref reader);
                        }
                        else
                        {
                            openAIUsage = OpenAIUsage.Read(ref reader, protocol) ?? openAIUsage;
                        }
                    }
                    else if (reader.ValueTextEquals(textProperty))
                    {
                        reader.Read();
                        chars += JsonScan.CountTextChars(ref reader, textFields);
                    }
                    else if (reader.ValueTextEquals("id"u8))
                    {
                        reader.Read();
                        id = JsonScan.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("model"u8))
                    {
                        reader.Read();
                        model = JsonScan.ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("error"u8))
                    {
                        // Responses bodies carry "error": null when all went well.
                        reader.Read();
                        sawError |= reader.TokenType == JsonTokenType.StartObject;
                        reader.Skip();
                    }
                    else if (reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("status"u8))
                    {
                        reader.Read();
                        sawError |= reader.TokenType == JsonTokenType.String
                            && (reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("failed"u8));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                // Reading past the root validates that nothing but whitespace follows it.
                finished = reader.TokenType == JsonTokenType.EndObject && !reader.Read();
            }
        }
        catch (JsonException)
        {
            finished = false;
        }

        var usage = protocol == WireProtocol.AnthropicMessages ? anthropicUsage.ToTokenUsage() : openAIUsage;
        return new MeteredCall(usage, finished, id, model, sawError, chars)
        {
            UsageFinal = usage is not null,
            WebSearchRequests = protocol == WireProtocol.OpenAIResponses ? CountWebSearchCalls(body) : anthropicUsage.WebSearchRequests,
        };
    }

    /// <summary>
    /// The Responses output items of type <c>web_search_call</c>, each a search OpenAI bills. The token
    /// <c>"web_search_call"</c> (quotes included) can only be a JSON string of its own: inside another string its
    /// quotes would be escaped, so text that mentions it is not counted.
    /// </summary>
    public static long CountWebSearchCalls(ReadOnlySpan<byte> json)
    {
        long count = 0;
        var token = "\"web_search_call\""u8;
        int at;
        while ((at = json.IndexOf(token)) >= 0)
        {
            if (at == 0 || json[at - 1] != (byte)'\\')
            {
                count++;
            }
            json = json[(at + token.Length)..];
        }
        return count;
    }
}
