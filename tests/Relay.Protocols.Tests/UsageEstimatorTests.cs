using System.Text;
using System.Text.Json;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>
/// The estimate used when usage never arrives. Token counts here were checked against an independent o200k_base
/// implementation (the gpt-tokenizer npm package, 4.0.0).
/// </summary>
public sealed class UsageEstimatorTests
{
    private static readonly MeteredCall _nothingSeen = new(null, false, null, null, false, 0);

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.", 10)]
    [InlineData("Relay meters every token exactly once \u2014 even \u65e5\u672c\u8a9e text.", 12)]
    [InlineData("Hello, Claude", 3)]
    [InlineData("", 0)]
    public void Text_is_counted_in_o200k_tokens(string text, int tokens)
    {
        Assert.Equal(tokens, UsageEstimator.CountTokens(text));
    }

    [Fact]
    public void A_chat_request_counts_its_message_text_and_framing_and_the_output_text()
    {
        var body = """{"model":"gpt-4o","messages":[{"role":"user","content":"The quick brown fox jumps over the lazy dog."}]}"""u8;

        var usage = UsageEstimator.Estimate(WireProtocol.OpenAIChat, body, _nothingSeen, outputText: "Hello, Claude");

        Assert.Equal(new TokenUsage(10 + UsageEstimator.TokensPerMessage, 3), usage);
    }

    [Fact]
    public void The_documented_count_tokens_request_estimates_close_to_anthropics_own_count()
    {
        using var doc = JsonDocument.Parse(WireFiles.Bytes("anthropic/count-tokens.json"));
        var body = Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("request").GetProperty("body").GetRawText());

        var usage = UsageEstimator.Estimate(WireProtocol.AnthropicMessages, body, _nothingSeen);

        // system "You are a scientist" (4) and "Hello, Claude" (3), each with its framing; Anthropic says 14.
        Assert.Equal(new TokenUsage(4 + 3 + (2 * UsageEstimator.TokensPerMessage), 0), usage);
    }

    [Fact]
    public void Images_cost_a_flat_rate_and_their_base64_is_not_counted_as_text()
    {
        var body = """
            {"model":"claude","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}},
              {"type":"text","text":"The quick brown fox jumps over the lazy dog.","cache_control":{"type":"ephemeral"}}]}]}
            """u8;

        var usage = UsageEstimator.Estimate(WireProtocol.AnthropicMessages, body, _nothingSeen);

        Assert.Equal(new TokenUsage(UsageEstimator.TokensPerMessage + UsageEstimator.TokensPerImage + 10, 0), usage);
    }

    [Fact]
    public void Tool_definitions_count_as_their_json_text_and_instructions_as_a_message()
    {
        var body = """{"model":"gpt-5","instructions":"You are a helpful assistant.","input":"Say hi","tools":[{"name":"get_weather","description":"Get the weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}"""u8;

        var usage = UsageEstimator.Estimate(WireProtocol.OpenAIResponses, body, _nothingSeen);

        Assert.Equal(new TokenUsage(UsageEstimator.TokensPerMessage + 6 + 2 + 33, 0), usage);
    }

    [Fact]
    public void Output_seen_only_as_characters_is_estimated_at_four_characters_a_token()
    {
        var seen = _nothingSeen with { OutputCharsSeen = 41 };

        var usage = UsageEstimator.Estimate(WireProtocol.OpenAIChat, """{"model":"m","messages":[]}"""u8, seen);

        Assert.Equal(new TokenUsage(0, 11), usage);
    }

    [Fact]
    public void What_anthropic_reported_before_the_cut_is_kept_and_output_is_raised_to_what_was_seen()
    {
        var seen = new MeteredCall(new TokenUsage(25, 1, CacheReadTokens: 100), false, "msg_1", "claude", false, 57);

        var usage = UsageEstimator.Estimate(WireProtocol.AnthropicMessages, """{"model":"claude","messages":[{"role":"user","content":"ignored"}]}"""u8, seen);

        Assert.Equal(new TokenUsage(25, 15, CacheReadTokens: 100), usage);
    }

    [Fact]
    public void Final_usage_is_returned_as_reported()
    {
        var reported = new TokenUsage(14, 30, ReasoningTokens: 2);
        var seen = new MeteredCall(reported, true, "chatcmpl-1", "gpt-4o", false, 10_000) { UsageFinal = true };

        Assert.Same(reported, UsageEstimator.Estimate(WireProtocol.OpenAIChat, """{"model":"m","messages":[]}"""u8, seen));
    }

    [Fact]
    public void A_body_that_is_not_json_estimates_no_input()
    {
        Assert.Equal(new TokenUsage(0, 2), UsageEstimator.Estimate(WireProtocol.OpenAIChat, "not json"u8, _nothingSeen, "Say hi"));
    }
}
