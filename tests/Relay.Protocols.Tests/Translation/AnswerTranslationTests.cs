using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Translation;
using static Relay.EdgeApi.Protocols.WireProtocol;
using static Relay.Protocols.Tests.Translation.Translations;

namespace Relay.Protocols.Tests.Translation;

/// <summary>Whole answers and errors, from the recorded provider bodies into each other protocol's shape and status.</summary>
public sealed class AnswerTranslationTests
{
    [Fact]
    public void A_chat_tool_call_answer_becomes_a_messages_answer_with_a_tool_use_block()
    {
        var reply = Call(AnthropicMessages, OpenAIChat, stream: false).TranslateAnswer(WireFiles.Bytes("openai/chat-response-tool-calls.json"), Created);
        var message = JsonNode.Parse(reply.Body)!;

        Assert.Equal(200, reply.Status);
        Assert.Equal("message", (string?)message["type"]);
        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("call_abc123", (string?)block["id"]);
        Assert.Equal("Boston, MA", (string?)block["input"]!["location"]);
        Assert.Equal(82, (int?)message["usage"]!["input_tokens"]);
        Assert.Equal(17, (int?)message["usage"]!["output_tokens"]);
    }

    [Fact]
    public void A_messages_answer_becomes_a_chat_completion()
    {
        var reply = Call(OpenAIChat, AnthropicMessages, stream: false).TranslateAnswer(WireFiles.Bytes("anthropic/messages-response.json"), Created);
        var completion = JsonNode.Parse(reply.Body)!;

        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.Equal("Hello!", (string?)completion["choices"]![0]!["message"]!["content"]);
        Assert.Equal("stop", (string?)completion["choices"]![0]!["finish_reason"]);
        Assert.Equal(12, (int?)completion["usage"]!["prompt_tokens"]);
        Assert.Equal(18, (int?)completion["usage"]!["total_tokens"]);
    }

    [Fact]
    public void A_messages_answer_becomes_a_completed_response()
    {
        var reply = Call(OpenAIResponses, AnthropicMessages, stream: false).TranslateAnswer(WireFiles.Bytes("anthropic/messages-response.json"), Created);
        var response = JsonNode.Parse(reply.Body)!;

        Assert.Equal("response", (string?)response["object"]);
        Assert.Equal("completed", (string?)response["status"]);
        Assert.Equal("Hello!", (string?)response["output"]![0]!["content"]![0]!["text"]);
        Assert.Equal(12, (int?)response["usage"]!["input_tokens"]);
        Assert.Equal(6, (int?)response["usage"]!["output_tokens"]);
    }

    [Fact]
    public void A_responses_function_call_becomes_a_chat_tool_call()
    {
        var reply = Call(OpenAIChat, OpenAIResponses, stream: false).TranslateAnswer(WireFiles.Bytes("openai/responses-response-function-call.json"), Created);
        var message = JsonNode.Parse(reply.Body)!["choices"]![0]!;

        Assert.Equal("tool_calls", (string?)message["finish_reason"]);
        var call = message["message"]!["tool_calls"]![0]!;
        Assert.Equal("call_unLAR8MvFNptuiZK6K6HCy5k", (string?)call["id"]);
        Assert.Equal("""{"location":"Boston, MA","unit":"celsius"}""", (string?)call["function"]!["arguments"]);
    }

    [Theory]
    [InlineData(529, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", 503, "server_error")]
    [InlineData(429, """{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}""", 429, "requests")]
    [InlineData(402, """{"type":"error","error":{"type":"billing_error","message":"Pay up"}}""", 402, "insufficient_quota")]
    [InlineData(400, """{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"}}""", 400, "invalid_request_error")]
    public void An_anthropic_error_reaches_an_openai_client_in_its_shape_and_status(int status, string body, int expectedStatus, string expectedType)
    {
        var reply = Call(OpenAIChat, AnthropicMessages).TranslateError(status, Encoding.UTF8.GetBytes(body), null);
        var error = JsonNode.Parse(reply.Body)!["error"]!;

        Assert.Equal(expectedStatus, reply.Status);
        Assert.Equal(expectedType, (string?)error["type"]);
        Assert.Equal((string?)JsonNode.Parse(body)!["error"]!["message"], (string?)error["message"]);
        Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"));
    }

    [Theory]
    [InlineData(429, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", "rate_limit_error")]
    [InlineData(503, """{"error":{"message":"Overloaded","type":"server_error","param":null,"code":null}}""", "overloaded_error")]
    [InlineData(500, "not json", "api_error")]
    public void An_openai_error_reaches_an_anthropic_client_in_its_shape_and_status(int status, string body, string expectedType)
    {
        var reply = Call(AnthropicMessages, OpenAIResponses).TranslateError(status, Encoding.UTF8.GetBytes(body), "call_1");
        var error = JsonNode.Parse(reply.Body)!;

        Assert.Equal(status, reply.Status);
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal(expectedType, (string?)error["error"]!["type"]);
        Assert.Equal("call_1", (string?)error["request_id"]);
    }
}
