using System.Text;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>The rewriter splices the model and include_usage and leaves every other byte as the client sent it.</summary>
public sealed class RequestRewriterTests
{
    [Fact]
    public void The_model_alias_is_replaced_in_place()
    {
        var result = Rewrite(
            WireProtocol.AnthropicMessages,
            """{"model":"sonnet","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}]}""",
            "claude-sonnet-4-5");

        Assert.Equal("""{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}]}""", result);
    }

    [Fact]
    public void Whitespace_escapes_and_number_formats_around_the_model_are_kept()
    {
        const string Body = "{\n  \"messages\": [ {\"role\":\"user\", \"content\":\"caf\\u00e9 \\\"quoted\\\" \\/ ok\"} ],\n" +
            "  \"model\" :\t\"gpt\\u002d4o\" ,\n  \"temperature\": 1.0e0,\n  \"top_p\": 0.50\n}\n";

        var result = Rewrite(WireProtocol.OpenAIChat, Body, "gpt-4o-2024-08-06");

        Assert.Equal(
            "{\n  \"messages\": [ {\"role\":\"user\", \"content\":\"caf\\u00e9 \\\"quoted\\\" \\/ ok\"} ],\n" +
            "  \"model\" :\t\"gpt-4o-2024-08-06\" ,\n  \"temperature\": 1.0e0,\n  \"top_p\": 0.50\n}\n",
            result);
    }

    [Fact]
    public void A_body_that_needs_no_change_is_returned_as_the_same_memory()
    {
        ReadOnlyMemory<byte> body = Encoding.UTF8.GetBytes("{\"model\" : \"gpt\\u002d4o\", \"stream\": false, \"messages\": []}");
        var facts = Inspect(WireProtocol.OpenAIChat, body);

        var result = RequestRewriter.Rewrite(WireProtocol.OpenAIChat, body, facts, "gpt-4o");

        Assert.True(result.Equals(body));
    }

    [Fact]
    public void A_streamed_chat_without_stream_options_gets_include_usage_after_its_last_member()
    {
        var result = Rewrite(
            WireProtocol.OpenAIChat,
            "{\n \"model\": \"gpt-4o\",\n \"stream\": true,\n \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]\n}\n",
            "gpt-4o");

        Assert.Equal(
            "{\n \"model\": \"gpt-4o\",\n \"stream\": true,\n \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],\"stream_options\":{\"include_usage\":true}\n}\n",
            result);
    }

    [Fact]
    public void Include_usage_merges_into_existing_stream_options()
    {
        var result = Rewrite(
            WireProtocol.OpenAIChat,
            """{"model":"gpt-4o","stream":true,"stream_options": {"include_obfuscation": false},"messages":[]}""",
            "gpt-4o");

        Assert.Equal("""{"model":"gpt-4o","stream":true,"stream_options": {"include_usage":true,"include_obfuscation": false},"messages":[]}""", result);
    }

    [Fact]
    public void Include_usage_goes_into_empty_stream_options()
    {
        var result = Rewrite(WireProtocol.OpenAIChat, """{"model":"gpt-4o","stream":true,"stream_options":{ },"messages":[]}""", "gpt-4o");

        Assert.Equal("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true },"messages":[]}""", result);
    }

    [Fact]
    public void Null_stream_options_become_include_usage()
    {
        var result = Rewrite(WireProtocol.OpenAIChat, """{"model":"gpt-4o","stream":true,"stream_options":null,"messages":[]}""", "gpt-4o");

        Assert.Equal("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}""", result);
    }

    [Fact]
    public void Include_usage_false_is_turned_true()
    {
        var result = Rewrite(
            WireProtocol.OpenAIChat,
            """{"model":"gpt-4o","stream":true,"stream_options": {"include_obfuscation":true, "include_usage": false },"messages":[]}""",
            "gpt-4o");

        Assert.Equal("""{"model":"gpt-4o","stream":true,"stream_options": {"include_obfuscation":true, "include_usage": true },"messages":[]}""", result);
    }

    [Fact]
    public void Model_swap_and_include_usage_are_made_together()
    {
        var result = Rewrite(
            WireProtocol.OpenAIChat,
            """{"messages":[{"role":"user","content":"\u4f60\u597d"}],"stream":true,"model":"fast","n":1}""",
            "glm-5");

        Assert.Equal("""{"messages":[{"role":"user","content":"\u4f60\u597d"}],"stream":true,"model":"glm-5","n":1,"stream_options":{"include_usage":true}}""", result);
    }

    [Fact]
    public void A_chat_whose_client_asked_for_usage_is_left_alone()
    {
        const string Body = """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}""";

        Assert.Equal(Body, Rewrite(WireProtocol.OpenAIChat, Body, "gpt-4o"));
    }

    [Theory]
    [InlineData(WireProtocol.AnthropicMessages)]
    [InlineData(WireProtocol.OpenAIResponses)]
    public void Streams_of_other_protocols_get_no_stream_options(WireProtocol protocol)
    {
        var body = protocol == WireProtocol.OpenAIResponses
            ? """{"model":"gpt-5","stream":true,"input":"hi"}"""
            : """{"model":"claude","stream":true,"max_tokens":5,"messages":[]}""";

        Assert.Equal(body, Rewrite(protocol, body, protocol == WireProtocol.OpenAIResponses ? "gpt-5" : "claude"));
    }

    [Fact]
    public void An_upstream_model_with_characters_json_must_escape_is_escaped()
    {
        var result = Rewrite(WireProtocol.AnthropicMessages, """{"model":"a","messages":[]}""", "we\"ird\\name");

        Assert.Equal("""{"model":"we\"ird\\name","messages":[]}""", result);
    }

    private static string Rewrite(WireProtocol protocol, string body, string upstreamModel)
    {
        ReadOnlyMemory<byte> bytes = Encoding.UTF8.GetBytes(body);
        var result = RequestRewriter.Rewrite(protocol, bytes, Inspect(protocol, bytes), upstreamModel);
        return Encoding.UTF8.GetString(result.Span);
    }

    private static RequestFacts Inspect(WireProtocol protocol, ReadOnlyMemory<byte> body)
    {
        var inspection = RequestInspector.Inspect(protocol, body.Span);
        Assert.Null(inspection.ProblemField);
        return inspection.Facts!;
    }
}
