using System.Text.Json;

namespace Relay.Simulator.Tests;

/// <summary>The simulator's streams have the event sequence and usage fields of the real transcripts in shared/wire.</summary>
public sealed class WireFramingTests : SimulatorTest
{
    private const string AnthropicBody = """{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""";
    private const string ChatBody = """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hello"}]}""";
    private const string ChatBodyWithUsage = """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello"}]}""";
    private const string ResponsesBody = """{"model":"gpt-5","stream":true,"input":"Hello"}""";
    private const string GlmBody = """{"model":"glm-5","stream":true,"messages":[{"role":"user","content":"Write a poem about spring"}]}""";

    [Theory]
    [InlineData("v1/messages")]
    [InlineData("api/anthropic/v1/messages")]
    public async Task Anthropic_stream_sends_the_documented_event_sequence(string path)
    {
        var ours = await SimulatorCalls.StreamAsync(Server, path, AnthropicBody);

        var transcript = WireTranscripts.Events("anthropic/messages-stream-text.sse");
        Assert.Equal(Names(transcript).Collapsed(), Names(ours).Collapsed());
        Assert.All(ours, e => Assert.Equal(e.Event, JsonShapes.Parse(e.Data).GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Anthropic_message_start_usage_has_every_cache_field_of_the_full_usage_object()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/messages", AnthropicBody);

        var transcript = WireTranscripts.Events("anthropic/sdk-fixture-thinking-refusal.synthetic.sse");
        Assert.Equal(
            JsonShapes.NumericPaths(JsonShapes.Parse(transcript[0].Data).At("message", "usage")),
            JsonShapes.NumericPaths(JsonShapes.Parse(ours[0].Data).At("message", "usage")));
    }

    [Fact]
    public async Task Anthropic_message_delta_usage_is_cumulative_like_the_documented_web_search_stream()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/messages", AnthropicBody);

        // The fragment as a whole is not parseable (the docs elide parts), but its message_delta line is.
        var documented = WireTranscripts.Read("anthropic/messages-stream-websearch.fragment.txt").Split('\n')
            .Single(line => line.StartsWith("data: {\"type\":\"message_delta\"", StringComparison.Ordinal))["data: ".Length..];
        var expected = JsonShapes.NumericPaths(JsonShapes.Parse(documented).GetProperty("usage"));
        expected.RemoveWhere(path => path.StartsWith("server_tool_use.", StringComparison.Ordinal));
        var messageDelta = ours.Single(e => e.Event == "message_delta");
        Assert.Equal(expected, JsonShapes.NumericPaths(JsonShapes.Parse(messageDelta.Data).GetProperty("usage")));
    }

    [Fact]
    public async Task Chat_stream_with_include_usage_ends_with_a_usage_only_chunk_then_done_as_recorded()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/chat/completions", ChatBodyWithUsage);

        var transcript = WireTranscripts.Events("openai/chat-stream-usage.sse");
        Assert.All(ours, e => Assert.Null(e.Event));
        Assert.Equal(Kinds(transcript).Collapsed(), Kinds(ours).Collapsed());
        Assert.Equal(["role", "content", "finish", "usage-only", "done"], Kinds(ours).Collapsed());
        Assert.All(ours.SkipLast(2), e => Assert.Equal(JsonValueKind.Null, JsonShapes.Parse(e.Data).GetProperty("usage").ValueKind));
        var usage = JsonShapes.NumericPaths(JsonShapes.Parse(ours[^2].Data).GetProperty("usage"));
        Assert.Superset(JsonShapes.NumericPaths(JsonShapes.Parse(transcript[^2].Data).GetProperty("usage")), usage);
        var documented = JsonShapes.Parse(WireTranscripts.Read("openai/chat-response.json")).GetProperty("usage");
        Assert.Equal(JsonShapes.NumericPaths(documented), usage);
    }

    [Fact]
    public async Task Chat_stream_without_include_usage_sends_no_usage_chunk()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/chat/completions", ChatBody);

        var transcript = WireTranscripts.Events("openai/chat-stream-usage.sse");
        Assert.Equal(Kinds(transcript).Where(k => k != "usage-only").Collapsed(), Kinds(ours).Collapsed());
        Assert.All(ours.SkipLast(1), e => Assert.False(JsonShapes.Parse(e.Data).TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task Obfuscation_padding_is_sent_unless_the_request_turns_it_off()
    {
        const string off = """{"model":"gpt-4o","stream":true,"stream_options":{"include_obfuscation":false},"messages":[]}""";

        var padded = await SimulatorCalls.StreamAsync(Server, "v1/chat/completions", ChatBody);
        var plain = await SimulatorCalls.StreamAsync(Server, "v1/chat/completions", off);

        Assert.All(padded.SkipLast(1), e => Assert.True(JsonShapes.Parse(e.Data).TryGetProperty("obfuscation", out _)));
        Assert.All(plain.SkipLast(1), e => Assert.False(JsonShapes.Parse(e.Data).TryGetProperty("obfuscation", out _)));
    }

    [Fact]
    public async Task Responses_stream_sends_the_documented_event_sequence_with_a_sequence_number_on_every_event()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/responses", ResponsesBody);

        var transcript = WireTranscripts.Events("openai/responses-stream.sse");
        Assert.Equal(Names(transcript).Collapsed(), Names(ours).Collapsed());
        Assert.Equal(
            Enumerable.Range(0, ours.Count),
            ours.Select(e => JsonShapes.Parse(e.Data).GetProperty("sequence_number").GetInt32()));
        Assert.All(ours, e => Assert.Equal(e.Event, JsonShapes.Parse(e.Data).GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Responses_stream_with_reasoning_matches_the_recorded_gpt5_stream_and_its_usage_fields()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "v1/responses", ResponsesBody, ("x-sim-reasoning-tokens", "5"));

        var transcript = WireTranscripts.Events("openai/responses-stream-text.recorded.sse");
        Assert.Equal(Names(transcript).Collapsed(), Names(ours).Collapsed());
        Assert.Equal(
            JsonShapes.NumericPaths(JsonShapes.Parse(transcript[^1].Data).At("response", "usage")),
            JsonShapes.NumericPaths(JsonShapes.Parse(ours[^1].Data).At("response", "usage")));
    }

    [Fact]
    public async Task Glm_stream_puts_finish_reason_and_usage_in_its_last_chunk_then_done()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "api/paas/v4/chat/completions", GlmBody);

        var transcript = WireTranscripts.Events("glm/chat-stream.sse");
        Assert.Equal(Kinds(transcript).Collapsed(), Kinds(ours).Collapsed());
        Assert.Equal(["content", "finish+usage", "done"], Kinds(ours).Collapsed());
        Assert.Equal(
            JsonShapes.NumericPaths(JsonShapes.Parse(transcript[^2].Data).GetProperty("usage")),
            JsonShapes.NumericPaths(JsonShapes.Parse(ours[^2].Data).GetProperty("usage")));
    }

    [Fact]
    public async Task Glm_stream_ignores_include_usage_false_and_still_reports_usage()
    {
        var body = """{"model":"glm-5","stream":true,"stream_options":{"include_usage":false},"messages":[]}""";

        var ours = await SimulatorCalls.StreamAsync(Server, "api/paas/v4/chat/completions", body);

        Assert.Equal(["content", "finish+usage", "done"], Kinds(ours).Collapsed());
    }

    [Fact]
    public async Task Anthropic_error_event_arrives_mid_stream_as_documented_and_no_message_stop_follows()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "_fault/error-event/v1/messages", AnthropicBody);

        var transcript = WireTranscripts.Events("anthropic/messages-stream-error-midstream.assembled.sse");
        Assert.Equal(Names(transcript).Collapsed(), Names(ours).Collapsed());
        Assert.True(JsonElement.DeepEquals(JsonShapes.Parse(transcript[^1].Data), JsonShapes.Parse(ours[^1].Data)));
    }

    [Fact]
    public async Task Responses_error_event_is_an_error_event_then_response_failed_as_recorded()
    {
        var ours = await SimulatorCalls.StreamAsync(Server, "_fault/error-event/v1/responses", ResponsesBody);

        var transcript = WireTranscripts.Events("openai/responses-stream-error-insufficient-quota.recorded.sse");
        Assert.Equal(Names(transcript).TakeLast(2), Names(ours).TakeLast(2));
        Assert.Equal(FieldNames(JsonShapes.Parse(transcript[^2].Data)), FieldNames(JsonShapes.Parse(ours[^2].Data)));
        var failed = JsonShapes.Parse(ours[^1].Data).GetProperty("response");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("server_error", failed.At("error", "code").GetString());
        Assert.Equal(ours.Count - 1, JsonShapes.Parse(ours[^1].Data).GetProperty("sequence_number").GetInt32());
    }

    private static IEnumerable<string> Names(IEnumerable<SseMessage> events) => events.Select(e => e.Event ?? "(none)");

    private static IEnumerable<string> Kinds(IEnumerable<SseMessage> events) => events.Select(e => JsonShapes.ChatChunkKind(e.Data));

    private static IEnumerable<string> FieldNames(JsonElement element) =>
        element.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Object
            ? FieldNames(p.Value).Select(inner => $"{p.Name}.{inner}")
            : [p.Name]).Order(StringComparer.Ordinal);
}
