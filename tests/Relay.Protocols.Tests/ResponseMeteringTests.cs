using System.Text;
using System.Text.Json;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>Whole (non-streamed) answers: usage, id and model read from the body.</summary>
public sealed class ResponseMeteringTests
{
    [Fact]
    public void An_anthropic_message_meters_its_usage_id_model_and_text()
    {
        var result = ResponseMeters.Read(WireProtocol.AnthropicMessages, WireFiles.Bytes("anthropic/messages-response.json"));

        Assert.Equal(new MeteredCall(new TokenUsage(12, 6), true, "msg_01XFDUDYJgAACzvnptvVoYEL", "claude-opus-4-6", false, 6) { UsageFinal = true }, result);
    }

    [Fact]
    public void The_documented_cache_usage_prices_the_duration_breakdown_over_the_inconsistent_total()
    {
        var result = ResponseMeters.Read(WireProtocol.AnthropicMessages, WireFiles.Bytes("anthropic/usage-cache.fragment.json"));

        Assert.Equal(new TokenUsage(2048, 503, CacheReadTokens: 1800, CacheWrite5mTokens: 456, CacheWrite1hTokens: 100), result.Usage);
    }

    [Fact]
    public void A_chat_completion_meters_its_usage_id_model_and_text()
    {
        var result = ResponseMeters.Read(WireProtocol.OpenAIChat, WireFiles.Bytes("openai/chat-response.json"));

        Assert.Equal(
            new MeteredCall(new TokenUsage(19, 10), true, "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "gpt-5.4", false, "Hello! How can I assist you today?".Length) { UsageFinal = true },
            result);
    }

    [Fact]
    public void A_chat_completion_with_tool_calls_counts_the_arguments()
    {
        var result = ResponseMeters.Read(WireProtocol.OpenAIChat, WireFiles.Bytes("openai/chat-response-tool-calls.json"));

        Assert.Equal(
            new MeteredCall(new TokenUsage(82, 17), true, "chatcmpl-abc123", "gpt-4o-mini", false, "{\n\"location\": \"Boston, MA\"\n}".Length) { UsageFinal = true },
            result);
    }

    [Fact]
    public void A_response_meters_its_usage_id_and_model()
    {
        var result = ResponseMeters.Read(WireProtocol.OpenAIResponses, WireFiles.Bytes("openai/responses-response.json"));

        Assert.Equal(new TokenUsage(36, 87), result.Usage);
        Assert.Equal("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", result.UpstreamId);
        Assert.Equal("gpt-5.4", result.UpstreamModel);
        Assert.True(result.Finished);
        Assert.False(result.SawErrorEvent);
        Assert.Equal(403, result.OutputCharsSeen);
    }

    [Fact]
    public void A_function_call_response_counts_its_arguments()
    {
        var result = ResponseMeters.Read(WireProtocol.OpenAIResponses, WireFiles.Bytes("openai/responses-response-function-call.json"));

        Assert.Equal(new TokenUsage(291, 23), result.Usage);
        Assert.Equal("{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}".Length, result.OutputCharsSeen);
    }

    [Fact]
    public void An_openai_error_body_is_an_error_without_usage()
    {
        var result = ResponseMeters.Read(WireProtocol.OpenAIChat, WireFiles.Bytes("openai/error-invalid-api-key.recorded.json"));

        Assert.Equal(new MeteredCall(null, true, null, null, true, 0), result);
    }

    [Fact]
    public void An_anthropic_error_body_is_an_error_without_usage()
    {
        using var shapes = JsonDocument.Parse(WireFiles.Bytes("anthropic/error-shapes.json"));
        var body = Encoding.UTF8.GetBytes(shapes.RootElement.GetProperty("error_shape_example_http").GetRawText());

        var result = ResponseMeters.Read(WireProtocol.AnthropicMessages, body);

        Assert.Equal(new MeteredCall(null, true, null, null, true, 0), result);
    }

    [Fact]
    public void A_body_cut_short_keeps_what_was_read_and_is_not_finished()
    {
        var body = "{\"id\":\"msg_cut\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2},\"content\":[{\"type\":\"text\",\"text\":\"Hel"u8;

        var result = ResponseMeters.Read(WireProtocol.AnthropicMessages, body);

        Assert.Equal(new MeteredCall(new TokenUsage(3, 2), false, "msg_cut", "claude-x", false, 0) { UsageFinal = true }, result);
    }
}
