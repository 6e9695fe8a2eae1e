using System.Buffers;
using System.Text;
using System.Text.Json;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;
using static Relay.Protocols.Tests.StreamFeeding;

namespace Relay.Protocols.Tests;

/// <summary>How the meters read usage, ids and ends, beyond the recorded transcripts.</summary>
public sealed class StreamMeteringTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    public void The_web_search_fragment_with_its_elisions_still_passes_through_and_meters_the_cumulative_usage(int chunkSize)
    {
        var input = WireFiles.Bytes("anthropic/messages-stream-websearch.fragment.txt");

        var (output, result) = Feed(WireProtocol.AnthropicMessages, input, chunkSize);

        Assert.Equal(input, output);
        Assert.Equal(new MeteredCall(new TokenUsage(10682, 510), true, "msg_01G...", "claude-opus-5-5", false, 173) { UsageFinal = true, WebSearchRequests = 1 }, result);
    }

    [Theory]
    [InlineData("openai/chat-stream.docs-verbatim.txt")]
    [InlineData("openai/chat-chunk-object.docs-verbatim.txt")]
    public void Chat_chunks_without_data_prefixes_pass_through_and_meter_nothing(string file)
    {
        var input = WireFiles.Bytes(file);

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, 7);

        Assert.Equal(input, output);
        Assert.Equal(new MeteredCall(null, false, null, null, false, 0), result);
    }

    [Fact]
    public void The_responses_docs_stream_with_an_elision_line_meters_its_usage()
    {
        var input = WireFiles.Bytes("openai/responses-stream.docs-verbatim.txt");

        var (output, result) = Feed(WireProtocol.OpenAIResponses, input, 7);

        Assert.Equal(input, output);
        Assert.Equal(new TokenUsage(37, 11), result.Usage);
        Assert.True(result.Finished);
    }

    [Fact]
    public void Glms_docs_stream_ending_without_a_blank_line_counts_its_done_at_the_end_of_upstream()
    {
        var input = WireFiles.Bytes("glm/chat-stream.docs-verbatim.txt");

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, 7);

        Assert.Equal(input, output);
        Assert.Equal(new MeteredCall(new TokenUsage(8, 262), true, "1", "glm-5", false, 17) { UsageFinal = true }, result);
    }

    [Fact]
    public void Every_documented_responses_event_example_as_multi_line_data_is_metered_and_the_invalid_one_only_as_far_as_it_parses()
    {
        using var examples = JsonDocument.Parse(WireFiles.Bytes("openai/responses-stream-events.json"));
        var stream = new StringBuilder();
        foreach (var example in examples.RootElement.EnumerateObject().Where(property => !property.Name.StartsWith('_')))
        {
            stream.Append("event: ").Append(example.Name).Append('\n');
            foreach (var line in example.Value.GetProperty("example_raw").GetString()!.TrimEnd('\n').Split('\n'))
            {
                stream.Append("data: ").Append(line).Append('\n');
            }

            stream.Append('\n');
        }

        var input = Encoding.UTF8.GetBytes(stream.ToString());

        var (output, result) = Feed(WireProtocol.OpenAIResponses, input, 64);

        Assert.Equal(input, output);
        // 409 characters in the valid deltas, plus the 8 of the invalid example's delta, read before its missing comma.
        Assert.Equal(new MeteredCall(new TokenUsage(0, 0), true, "resp_123", "gpt-4o-mini-2024-07-18", true, 409 + 8) { UsageFinal = true }, result);
    }

    public static TheoryData<string, WireProtocol> EveryWireFileWithEveryProtocol()
    {
        var data = new TheoryData<string, WireProtocol>();
        foreach (var file in WireFiles.All("*"))
        {
            foreach (var protocol in Enum.GetValues<WireProtocol>())
            {
                data.Add(file, protocol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryWireFileWithEveryProtocol))]
    public void Any_wire_file_through_any_meter_passes_through_unchanged(string file, WireProtocol protocol)
    {
        var input = WireFiles.Bytes(file);

        var (output, _) = Feed(protocol, input, 7);

        Assert.Equal(input, output);
    }

    [Fact]
    public void A_chunk_with_usage_but_no_choices_array_is_not_stripped()
    {
        var input = "data: {\"id\":\"c\",\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n"u8.ToArray();

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, 0, strip: true);

        Assert.Equal(input, output);
        Assert.Equal(new TokenUsage(2, 1), result.Usage);
    }

    [Fact]
    public void Anthropic_cache_writes_split_by_duration_and_message_delta_overrides_what_it_carries()
    {
        var input = Encoding.UTF8.GetBytes(
            "event: message_start\n" +
            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":200,\"cache_creation_input_tokens\":70,\"cache_creation\":{\"ephemeral_5m_input_tokens\":30,\"ephemeral_1h_input_tokens\":40},\"output_tokens\":1}}}\n\n" +
            "event: message_delta\n" +
            "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":55,\"cache_read_input_tokens\":210}}\n\n" +
            "event: message_stop\n" +
            "data: {\"type\":\"message_stop\"}\n\n");

        var (_, result) = Feed(WireProtocol.AnthropicMessages, input, 0);

        Assert.Equal(new TokenUsage(10, 55, CacheReadTokens: 210, CacheWrite5mTokens: 30, CacheWrite1hTokens: 40), result.Usage);
    }

    [Fact]
    public void Anthropic_cache_creation_without_a_breakdown_counts_as_five_minute_writes()
    {
        var input = Encoding.UTF8.GetBytes(
            "event: message_start\n" +
            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":70,\"output_tokens\":1}}}\n\n");

        var (_, result) = Feed(WireProtocol.AnthropicMessages, input, 0);

        Assert.Equal(new TokenUsage(10, 1, CacheWrite5mTokens: 70), result.Usage);
        Assert.False(result.UsageFinal);
        Assert.False(result.Finished);
    }

    [Fact]
    public void Anthropic_events_without_event_lines_are_recognised_by_their_type()
    {
        var input = Encoding.UTF8.GetBytes(
            "data: {\"type\": \"message_start\", \"message\": {\"id\": \"msg_2\", \"usage\": {\"input_tokens\": 3, \"output_tokens\": 1}}}\n\n" +
            ": a comment line\n\n" +
            "data: {\"type\": \"message_delta\", \"usage\": {\"output_tokens\": 9}}\n\n" +
            "data: {\"type\": \"message_stop\"}\n\n");

        var (output, result) = Feed(WireProtocol.AnthropicMessages, input, 3);

        Assert.Equal(input, output);
        Assert.Equal(new MeteredCall(new TokenUsage(3, 9), true, "msg_2", null, false, 0) { UsageFinal = true }, result);
    }

    [Fact]
    public void Chat_usage_takes_cached_and_cache_write_tokens_out_of_input_and_reasoning_out_of_output()
    {
        var input = Encoding.UTF8.GetBytes(
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\",\"content\":\"ok\"}}],\"usage\":null}\n\n" +
            "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":300,\"total_tokens\":1300," +
            "\"prompt_tokens_details\":{\"cached_tokens\":600,\"cache_write_tokens\":100},\"completion_tokens_details\":{\"reasoning_tokens\":120}}}\n\n" +
            "data: [DONE]\n\n");

        var (_, result) = Feed(WireProtocol.OpenAIChat, input, 0);

        Assert.Equal(new TokenUsage(300, 180, CacheReadTokens: 600, CacheWrite5mTokens: 100, ReasoningTokens: 120), result.Usage);
        Assert.Equal(5, result.OutputCharsSeen);
    }

    [Fact]
    public void Responses_usage_takes_cached_and_cache_write_tokens_out_of_input_and_reasoning_out_of_output()
    {
        var input = Encoding.UTF8.GetBytes(
            "event: response.incomplete\n" +
            "data: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"resp_9\",\"model\":\"gpt-x\",\"usage\":{\"input_tokens\":500," +
            "\"input_tokens_details\":{\"cached_tokens\":200,\"cache_write_tokens\":50},\"output_tokens\":90,\"output_tokens_details\":{\"reasoning_tokens\":40},\"total_tokens\":590}}}\n\n");

        var (_, result) = Feed(WireProtocol.OpenAIResponses, input, 0);

        Assert.Equal(new MeteredCall(new TokenUsage(250, 50, CacheReadTokens: 200, CacheWrite5mTokens: 50, ReasoningTokens: 40), true, "resp_9", "gpt-x", false, 0) { UsageFinal = true }, result);
    }

    [Fact]
    public void A_chat_chunk_carrying_an_error_is_seen_as_an_error()
    {
        var input = "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"u8.ToArray();

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, 0);

        Assert.Equal(input, output);
        Assert.True(result.SawErrorEvent);
    }

    [Fact]
    public void An_event_over_the_size_cap_is_forwarded_unmetered_and_the_next_event_is_metered()
    {
        var input = Encoding.UTF8.GetBytes(
            "event: message_start\n" +
            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_big\",\"content\":\"" + new string('y', 500) + "\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n" +
            "event: message_delta\n" +
            "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\n\n");

        foreach (var chunkSize in new[] { 0, 1, 100 })
        {
            var (output, result) = Feed(StreamMeters.Create(WireProtocol.AnthropicMessages, false, maxEventBytes: 256), input, chunkSize);

            Assert.Equal(input, output);
            Assert.Null(result.UpstreamId);
            Assert.Equal(new TokenUsage(0, 4), result.Usage);
        }
    }

    [Fact]
    public void A_large_event_that_nobody_meters_is_forwarded_without_being_copied_aside()
    {
        var text = new string('z', 4 << 20);
        var input = Encoding.UTF8.GetBytes(
            "event: response.output_text.done\n" +
            "data: {\"type\":\"response.output_text.done\",\"text\":\"" + text + "\"}\n\n" +
            "event: response.completed\n" +
            "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3}}}\n\n");
        var meter = StreamMeters.Create(WireProtocol.OpenAIResponses, stripUsageOnlyChunk: false);
        var output = new ArrayBufferWriter<byte>(input.Length);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var offset = 0; offset < input.Length; offset += 16 * 1024)
        {
            meter.Process(input.AsSpan(offset, Math.Min(16 * 1024, input.Length - offset)), output);
        }

        meter.Complete(output);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(output.WrittenSpan.SequenceEqual(input));
        Assert.Equal(new TokenUsage(5, 3), meter.Result.Usage);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Processing_after_the_end_of_upstream_is_refused()
    {
        var meter = StreamMeters.Create(WireProtocol.OpenAIChat, stripUsageOnlyChunk: false);
        var output = new ArrayBufferWriter<byte>();
        meter.Complete(output);

        Assert.Throws<InvalidOperationException>(() => meter.Process("data: [DONE]\n\n"u8, output));
    }

    [Fact]
    public void Passing_content_deltas_through_allocates_nothing_per_event()
    {
        var delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"caf\\u00e9 and more\"}}\n\n"u8.ToArray();
        const int Events = 10_000;
        var output = new ArrayBufferWriter<byte>(delta.Length * (Events + 100));
        var meter = StreamMeters.Create(WireProtocol.AnthropicMessages, stripUsageOnlyChunk: false);

        // Warm up: first calls JIT and fill the array pool's caches.
        for (var i = 0; i < 100; i++)
        {
            meter.Process(delta.AsSpan(0, 40), output);
            meter.Process(delta.AsSpan(40), output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Events; i++)
        {
            meter.Process(delta.AsSpan(0, 40), output);
            meter.Process(delta.AsSpan(40), output);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Any allocation per event is at least an object header (24 bytes) per event; the runtime's own
        // one-off work (tiering up the loop in Release) can allocate a few kilobytes in all, never one per event.
        Assert.True(allocated < Events, $"allocated {allocated} bytes for {Events} events");
        Assert.Equal(13L * (Events + 100), meter.Result.OutputCharsSeen);
    }
}
