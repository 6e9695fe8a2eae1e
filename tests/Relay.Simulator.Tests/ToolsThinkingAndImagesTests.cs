using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relay.Simulator.Tests;

/// <summary>
/// Tool calls with argument deltas, thinking and reasoning deltas, and images, as the translation tests need them:
/// deterministic from the request and the <c>tool-calls</c> and <c>reasoning-tokens</c> settings.
/// </summary>
public sealed class ToolsThinkingAndImagesTests : SimulatorTest
{
    private const string Weather = """{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}""";

    [Fact]
    public async Task An_anthropic_stream_calls_the_offered_tool_in_argument_pieces_that_join_to_its_arguments()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "/_tool-calls/1/_output-tokens/2/v1/messages",
            $$"""{"model":"claude-sonnet-4-6","max_tokens":100,"stream":true,"tools":[{{Weather}}],"messages":[{"role":"user","content":"Weather?"}]}""");

        var start = events.Select(e => JsonNode.Parse(e.Data)!).Single(e => (string?)e["type"] == "content_block_start" && (string?)e["content_block"]!["type"] == "tool_use");
        Assert.Equal("get_weather", (string?)start["content_block"]!["name"]);
        Assert.StartsWith("toolu_", (string?)start["content_block"]!["id"], StringComparison.Ordinal);
        var pieces = events.Select(e => JsonNode.Parse(e.Data)!).Where(e => (string?)e["delta"]?["type"] == "input_json_delta").Select(e => (string)e["delta"]!["partial_json"]!).ToList();
        Assert.Equal("""{"city":"v1","days":1}""", string.Concat(pieces));
        Assert.Equal(6, pieces.Count(piece => piece.Length > 0));
        var delta = JsonNode.Parse(events.Single(e => e.Event == "message_delta").Data)!;
        Assert.Equal("tool_use", (string?)delta["delta"]!["stop_reason"]);
        Assert.Equal(2 + 6, (int?)delta["usage"]!["output_tokens"]);
        var served = Assert.Single(Server.Served.Snapshot());
        Assert.Equal(1, served.ToolCalls);
        Assert.Equal(8, served.Usage.OutputTokens);
    }

    [Fact]
    public async Task A_request_that_ends_with_tool_results_is_answered_in_words()
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, "/_tool-calls/1/v1/chat/completions", """
            {"model":"gpt-5.4","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
             "messages":[{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"Sunny"}]}
            """);

        Assert.Equal(200, (int)response.StatusCode);
        var choice = JsonNode.Parse(body)!["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.Null(choice["message"]!["tool_calls"]);
        Assert.Equal(1, Assert.Single(Server.Served.Snapshot()).ToolResults);
    }

    [Fact]
    public async Task A_chat_stream_sends_each_tool_call_named_first_then_its_argument_pieces_by_index()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "/_tool-calls/2/_output-tokens/1/v1/chat/completions", """
            {"model":"gpt-5.4","stream":true,"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{"x":{"type":"string"}}}}},{"type":"function","function":{"name":"b","parameters":{"type":"object"}}}],
             "messages":[{"role":"user","content":"Go"}]}
            """);

        var calls = events.Where(e => e.Data != "[DONE]").SelectMany(e => JsonNode.Parse(e.Data)!["choices"]!.AsArray())
            .Select(c => c!["delta"]?["tool_calls"]?[0]).OfType<JsonNode>().ToList();
        Assert.Equal("a", (string?)calls[0]["function"]!["name"]);
        Assert.Equal("""{"x":"v1"}""", string.Concat(calls.Where(c => (int?)c["index"] == 0).Select(c => (string?)c["function"]!["arguments"])));
        Assert.Equal("b", (string?)calls.First(c => (int?)c["index"] == 1)["function"]!["name"]);
        Assert.Equal("{}", string.Concat(calls.Where(c => (int?)c["index"] == 1).Select(c => (string?)c["function"]!["arguments"])));
        Assert.Contains(events, e => e.Data.Contains("\"finish_reason\":\"tool_calls\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_responses_answer_carries_function_call_items_and_a_reasoning_summary_when_asked()
    {
        var (_, body) = await SimulatorCalls.PostAsync(Server, "/_tool-calls/1/_reasoning-tokens/3/_output-tokens/1/v1/responses", """
            {"model":"gpt-5.4","reasoning":{"effort":"low","summary":"auto"},"tools":[{"type":"function","name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}],"input":"Find it"}
            """);

        var output = JsonNode.Parse(body)!["output"]!.AsArray();
        Assert.Equal(["reasoning", "message", "function_call"], output.Select(item => (string?)item!["type"]));
        Assert.Equal("r1 r2 r3", (string?)output[0]!["summary"]![0]!["text"]);
        Assert.Equal("lookup", (string?)output[2]!["name"]);
        Assert.Equal("""{"q":"v1"}""", (string?)output[2]!["arguments"]);
        Assert.Equal(1 + 3 + 3, (int?)JsonNode.Parse(body)!["usage"]!["output_tokens"]);
    }

    [Fact]
    public async Task A_responses_stream_sends_summary_and_argument_deltas()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "/_tool-calls/1/_reasoning-tokens/2/_output-tokens/1/v1/responses", """
            {"model":"gpt-5.4","stream":true,"reasoning":{"summary":"auto"},"tools":[{"type":"function","name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}],"input":"Find it"}
            """);

        Assert.Equal("r1 r2", string.Concat(events.Where(e => e.Event == "response.reasoning_summary_text.delta").Select(e => (string?)JsonNode.Parse(e.Data)!["delta"])));
        Assert.Equal("""{"q":"v1"}""", string.Concat(events.Where(e => e.Event == "response.function_call_arguments.delta").Select(e => (string?)JsonNode.Parse(e.Data)!["delta"])));
        var sequence = events.Select(e => (int)JsonNode.Parse(e.Data)!["sequence_number"]!);
        Assert.Equal(Enumerable.Range(0, events.Count), sequence);
    }

    [Fact]
    public async Task Anthropic_thinking_is_streamed_and_signed_when_the_request_enables_it()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "/_reasoning-tokens/3/_output-tokens/2/v1/messages",
            """{"model":"claude-sonnet-4-6","max_tokens":2000,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"Think"}]}""");

        var deltas = events.Where(e => e.Event == "content_block_delta").Select(e => JsonNode.Parse(e.Data)!["delta"]!).ToList();
        Assert.Equal("r1 r2 r3", string.Concat(deltas.Where(d => (string?)d["type"] == "thinking_delta").Select(d => (string?)d["thinking"])));
        Assert.StartsWith("sim-signature-", (string?)deltas.Single(d => (string?)d["type"] == "signature_delta")["signature"], StringComparison.Ordinal);
        Assert.Equal(0, (int?)JsonNode.Parse(events.First(e => e.Event == "content_block_start").Data)!["index"]);
        Assert.Equal("text", (string?)JsonNode.Parse(events.Where(e => e.Event == "content_block_start").ElementAt(1).Data)!["content_block"]!["type"]);
        Assert.Equal(5, (int?)JsonNode.Parse(events.Single(e => e.Event == "message_delta").Data)!["usage"]!["output_tokens"]);
    }

    [Theory]
    [InlineData("/v1/messages", """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},{"type":"text","text":"What is it?"}]}]}""")]
    [InlineData("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]}]}""")]
    [InlineData("/v1/responses", """{"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://example.com/cat.png"}]}]}""")]
    public async Task An_image_in_the_providers_shape_is_accepted_and_counted(string path, string body)
    {
        var (response, _) = await SimulatorCalls.PostAsync(Server, path, body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, Assert.Single(Server.Served.Snapshot()).Images);
    }

    [Theory]
    [InlineData("/v1/messages", """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"iVBOR"}}]}]}""", "messages.0.content.0.source")]
    [InlineData("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"not a url"}}]}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("/v1/responses", """{"model":"m","input":[{"role":"user","content":[{"type":"input_image"}]}]}""", "input[0].content[0].image_url")]
    public async Task An_image_not_in_the_providers_shape_is_refused_naming_where_it_is(string path, string body, string where)
    {
        var (response, text) = await SimulatorCalls.PostAsync(Server, path, body);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(where, text, StringComparison.Ordinal);
        Assert.Empty(Server.Served.Snapshot());
    }

    [Fact]
    public async Task Without_the_tool_calls_setting_tools_are_offered_but_not_called()
    {
        var (_, body) = await SimulatorCalls.PostAsync(Server, "/v1/messages",
            $$"""{"model":"claude-sonnet-4-6","max_tokens":100,"tools":[{{Weather}}],"messages":[{"role":"user","content":"Weather?"}]}""");

        var message = JsonDocument.Parse(body).RootElement;
        Assert.Equal("end_turn", message.GetProperty("stop_reason").GetString());
        Assert.Equal(1, message.GetProperty("content").GetArrayLength());
    }
}
