using System.Text;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>The inspector reads the facts Relay needs and names the field of a malformed body.</summary>
public sealed class RequestInspectorTests
{
    [Fact]
    public void A_streamed_chat_request_yields_its_facts()
    {
        const string Body = """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,"max_completion_tokens":200,"messages":[{"role":"user","content":"hi"}]}""";

        var inspection = RequestInspector.Inspect(WireProtocol.OpenAIChat, Encoding.UTF8.GetBytes(Body));

        Assert.Equal(new RequestInspection(new RequestFacts("gpt-4o", true, true, (Body.Length + 3) / 4, 200), null, null), inspection);
    }

    [Fact]
    public void An_anthropic_request_yields_max_tokens_and_never_asks_for_usage()
    {
        const string Body = """{"model":"claude-opus-4-6","max_tokens":1024,"stream":false,"stream_options":{"include_usage":true},"messages":[]}""";

        var facts = RequestInspector.Inspect(WireProtocol.AnthropicMessages, Encoding.UTF8.GetBytes(Body)).Facts;

        Assert.Equal(new RequestFacts("claude-opus-4-6", false, false, (Body.Length + 3) / 4, 1024), facts);
    }

    [Fact]
    public void A_responses_request_yields_max_output_tokens_and_needs_no_messages()
    {
        const string Body = """{"model":"gpt-5","input":[{"role":"user","content":"hi"}],"max_output_tokens":300,"stream":true}""";

        var facts = RequestInspector.Inspect(WireProtocol.OpenAIResponses, Encoding.UTF8.GetBytes(Body)).Facts;

        Assert.Equal(new RequestFacts("gpt-5", true, false, (Body.Length + 3) / 4, 300), facts);
    }

    [Fact]
    public void An_escaped_model_value_and_key_are_read_unescaped()
    {
        var facts = RequestInspector.Inspect(WireProtocol.OpenAIChat, """{"mod\u0065l":"gpt\u002d4o","messages":[]}"""u8).Facts;

        Assert.Equal("gpt-4o", facts?.Model);
    }

    [Theory]
    [InlineData(WireProtocol.OpenAIChat, "", "body")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o",""", "body")]
    [InlineData(WireProtocol.OpenAIChat, """["model"]""", "body")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[]} trailing""", "body")]
    [InlineData(WireProtocol.OpenAIChat, """{"messages":[]}""", "model")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":42,"messages":[]}""", "model")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"","messages":[]}""", "model")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"cheap","messages":[],"model":"expensive"}""", "model")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"cheap","messages":[],"mod\u0065l":"expensive"}""", "model")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o"}""", "messages")]
    [InlineData(WireProtocol.AnthropicMessages, """{"model":"claude","messages":{"role":"user"}}""", "messages")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"stream":"yes"}""", "stream")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"stream":true,"stream":false}""", "stream")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"stream_options":1}""", "stream_options")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"stream_options":{"include_usage":"true"}}""", "stream_options.include_usage")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"stream_options":{"include_usage":false,"include_usage":true}}""", "stream_options.include_usage")]
    [InlineData(WireProtocol.AnthropicMessages, """{"model":"claude","messages":[],"max_tokens":-1}""", "max_tokens")]
    [InlineData(WireProtocol.AnthropicMessages, """{"model":"claude","messages":[],"max_tokens":"1024"}""", "max_tokens")]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"gpt-4o","messages":[],"max_completion_tokens":1.5}""", "max_completion_tokens")]
    [InlineData(WireProtocol.OpenAIResponses, """{"model":"gpt-5","max_output_tokens":true}""", "max_output_tokens")]
    [InlineData(WireProtocol.OpenAIResponses, """{"model":"gpt-5","input":42}""", "input")]
    public void A_malformed_body_names_the_field_at_fault(WireProtocol protocol, string body, string field)
    {
        var inspection = RequestInspector.Inspect(protocol, Encoding.UTF8.GetBytes(body));

        Assert.Null(inspection.Facts);
        Assert.Equal(field, inspection.ProblemField);
        Assert.Contains(field == "body" ? "JSON" : field, inspection.ProblemMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_stream_and_null_limits_read_as_absent()
    {
        var facts = RequestInspector.Inspect(
            WireProtocol.OpenAIChat,
            """{"model":"gpt-4o","messages":[],"stream":null,"stream_options":null,"max_tokens":null}"""u8).Facts;

        Assert.Equal(new RequestFacts("gpt-4o", false, false, 22, null), facts);
    }
}
