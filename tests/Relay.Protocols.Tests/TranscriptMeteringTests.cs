using System.Text;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;
using static Relay.EdgeApi.Protocols.WireProtocol;
using static Relay.Protocols.Tests.StreamFeeding;

namespace Relay.Protocols.Tests;

/// <summary>Every recorded stream in shared/wire, in any chunking, reaches the client unchanged and meters exactly.</summary>
public sealed class TranscriptMeteringTests
{
    public sealed record Expected(WireProtocol Protocol, TokenUsage? Usage, bool Finished, string? Id, string? Model, bool SawError, long Chars)
    {
        /// <summary>False where the stream stopped after Anthropic's provisional <c>message_start</c> usage.</summary>
        public bool UsageFinal { get; init; } = Usage is not null;
    }

    private static readonly Dictionary<string, Expected> _transcripts = new(StringComparer.Ordinal)
    {
        ["anthropic/messages-stream-error-event.sse"] = new(AnthropicMessages, null, false, null, null, true, 0),
        ["anthropic/messages-stream-error-midstream.assembled.sse"] =
            new(AnthropicMessages, new TokenUsage(25, 1), false, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "claude-opus-5-5", true, 5) { UsageFinal = false },
        ["anthropic/messages-stream-text.sse"] =
            new(AnthropicMessages, new TokenUsage(25, 15), true, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "claude-opus-5-5", false, 6),
        ["anthropic/messages-stream-thinking.sse"] = new(AnthropicMessages, null, true, "msg_01...", "claude-opus-5-5", false, 225),
        ["anthropic/messages-stream-tool.sse"] =
            new(AnthropicMessages, new TokenUsage(472, 89), true, "msg_014p7gG3wDgGV9EUtLvnow3U", "claude-opus-5", false, 85),
        ["anthropic/sdk-fixture-basic.sse"] =
            new(AnthropicMessages, new TokenUsage(11, 6), true, "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK", "claude-opus-4-8", false, 12),
        ["anthropic/sdk-fixture-thinking-refusal.synthetic.sse"] =
            new(AnthropicMessages, new TokenUsage(28, 106), true, "msg_fixture_a_0001", "claude-fable-5", false, 214),
        ["anthropic/sdk-fixture-tool-use.sse"] =
            new(AnthropicMessages, new TokenUsage(377, 65), true, "msg_019Q1hrJbZG26Fb9BQhrkHEr", "claude-opus-4-8", false, 69),
        ["glm/chat-stream.sse"] = new(OpenAIChat, new TokenUsage(8, 262), true, "1", "glm-5", false, 17),
        ["openai/chat-stream-refusal.sse"] =
            new(OpenAIChat, new TokenUsage(79, 11), true, "chatcmpl-ABfw4IfQfCCrcuybFm41wJyxjbkz7", "gpt-4o-2024-08-06", false, 44),
        ["openai/chat-stream-tool-calls.sse"] =
            new(OpenAIChat, new TokenUsage(44, 16), true, "chatcmpl-ABfwERreu9s99xXsVuOWtIB2UOx62", "gpt-4o-2024-08-06", false, 24),
        ["openai/chat-stream-usage.sse"] =
            new(OpenAIChat, new TokenUsage(14, 30), true, "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL", "gpt-4o-2024-08-06", false, 159),
        ["openai/responses-stream-error-insufficient-quota.recorded.sse"] =
            new(OpenAIResponses, null, true, "resp_0265b28bea036ff60068df845920648196938b4f36acdcee37", "gpt-5-2025-08-07", true, 0),
        ["openai/responses-stream-function-call.recorded.sse"] =
            new(OpenAIResponses, new TokenUsage(75, 27, ReasoningTokens: 128), true, "resp_68d9303e0ef4819e9abaed38fac5de4f03aa6e5a972b3b23", "gpt-5-2025-08-07", false, 36),
        ["openai/responses-stream-text-after-tool.recorded.sse"] =
            new(OpenAIResponses, new TokenUsage(114, 15), true, "resp_68d93041848c819e90d610c34d125a8f03aa6e5a972b3b23", "gpt-5-2025-08-07", false, 45),
        ["openai/responses-stream-text.recorded.sse"] =
            new(OpenAIResponses, new TokenUsage(12, 10), true, "resp_68d7eff889908196bde536de7b601b7d07152cb8c6ac9072", "gpt-5-2025-08-07", false, 13),
        ["openai/responses-stream.sse"] =
            new(OpenAIResponses, new TokenUsage(37, 11), true, "resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654", "gpt-5.4", false, 2),
    };

    public static TheoryData<string, int> TranscriptsByChunkSize()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in _transcripts.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var size in new[] { 0, 1, 7, 64 })
            {
                data.Add(file, size);
            }
        }

        return data;
    }

    public static TheoryData<string> Transcripts() => [.. _transcripts.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_sse_transcript_in_the_wire_folder_has_its_expected_metering()
    {
        Assert.Equal(_transcripts.Keys.Order(StringComparer.Ordinal), WireFiles.All("*.sse"));
    }

    [Theory]
    [MemberData(nameof(TranscriptsByChunkSize))]
    public void A_transcript_passes_through_byte_for_byte_and_meters_its_usage(string file, int chunkSize)
    {
        var input = WireFiles.Bytes(file);
        var expected = _transcripts[file];

        var (output, result) = Feed(expected.Protocol, input, chunkSize);

        Assert.Equal(input, output);
        AssertMetered(expected, result);
    }

    [Theory]
    [MemberData(nameof(TranscriptsByChunkSize))]
    public void A_transcript_with_crlf_line_ends_passes_through_and_meters_the_same(string file, int chunkSize)
    {
        var input = WithLineEnds(WireFiles.Bytes(file), "\r\n");
        var expected = _transcripts[file];

        var (output, result) = Feed(expected.Protocol, input, chunkSize);

        Assert.Equal(input, output);
        AssertMetered(expected, result);
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public void A_transcript_with_bare_cr_line_ends_meters_the_same(string file)
    {
        var input = WithLineEnds(WireFiles.Bytes(file), "\r");
        var expected = _transcripts[file];

        var (output, result) = Feed(expected.Protocol, input, 7);

        Assert.Equal(input, output);
        AssertMetered(expected, result);
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public void A_transcript_cut_in_two_at_any_byte_meters_the_same(string file)
    {
        var input = WireFiles.Bytes(file);
        var expected = _transcripts[file];

        for (var cut = 1; cut < input.Length; cut++)
        {
            var meter = StreamMeters.Create(expected.Protocol, stripUsageOnlyChunk: false);
            var output = new System.Buffers.ArrayBufferWriter<byte>(input.Length);
            meter.Process(input.AsSpan(0, cut), output);
            meter.Process(input.AsSpan(cut), output);
            meter.Complete(output);

            Assert.True(output.WrittenSpan.SequenceEqual(input), $"bytes differ when cut at {cut}");
            Assert.Equal(expected.Usage, meter.Result.Usage);
            Assert.Equal(expected.Chars, meter.Result.OutputCharsSeen);
        }
    }

    [Fact]
    public void A_multibyte_character_split_between_chunks_is_counted_once()
    {
        var input = WireFiles.Bytes("anthropic/messages-stream-thinking.sse");
        var times = Encoding.UTF8.GetBytes("\u00d7");
        var at = input.AsSpan().IndexOf(times) + 1;

        var meter = StreamMeters.Create(AnthropicMessages, stripUsageOnlyChunk: false);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        meter.Process(input.AsSpan(0, at), output);
        meter.Process(input.AsSpan(at), output);
        meter.Complete(output);

        Assert.Equal(input, output.WrittenSpan.ToArray());
        Assert.Equal(225, meter.Result.OutputCharsSeen);
    }

    internal static void AssertMetered(Expected expected, MeteredCall result)
    {
        Assert.Equal(
            new MeteredCall(expected.Usage, expected.Finished, expected.Id, expected.Model, expected.SawError, expected.Chars) { UsageFinal = expected.UsageFinal },
            result);
    }
}
