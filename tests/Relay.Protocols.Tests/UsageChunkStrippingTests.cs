using System.Text;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;
using static Relay.Protocols.Tests.StreamFeeding;

namespace Relay.Protocols.Tests;

/// <summary>When Relay asked for include_usage on the client's behalf, the usage-only chunk is metered and kept from it.</summary>
public sealed class UsageChunkStrippingTests
{
    public static TheoryData<string, int, string> RecordedChatStreams()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in new[] { "openai/chat-stream-usage.sse", "openai/chat-stream-tool-calls.sse", "openai/chat-stream-refusal.sse" })
        {
            foreach (var size in new[] { 0, 1, 7, 64 })
            {
                data.Add(file, size, "\n");
                data.Add(file, size, "\r\n");
            }

            data.Add(file, 1, "\r");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RecordedChatStreams))]
    public void Stripping_drops_exactly_the_usage_only_event_and_still_meters_it(string file, int chunkSize, string lineEnd)
    {
        var input = WithLineEnds(WireFiles.Bytes(file), lineEnd);
        var expected = WithoutUsageOnlyEvent(input, lineEnd);

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, chunkSize, strip: true);

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(output));
        Assert.NotNull(result.Usage);
        Assert.True(result.Finished);
    }

    [Fact]
    public void Stripping_meters_the_recorded_usage_exactly()
    {
        var (_, result) = Feed(WireProtocol.OpenAIChat, WireFiles.Bytes("openai/chat-stream-usage.sse"), 7, strip: true);

        Assert.Equal(new TokenUsage(14, 30), result.Usage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Glms_last_chunk_with_choices_and_usage_is_never_dropped(int chunkSize)
    {
        var input = WireFiles.Bytes("glm/chat-stream.sse");

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, chunkSize, strip: true);

        Assert.Equal(input, output);
        Assert.Equal(new TokenUsage(8, 262), result.Usage);
    }

    [Fact]
    public void Without_stripping_the_usage_only_event_reaches_the_client()
    {
        var input = WireFiles.Bytes("openai/chat-stream-usage.sse");

        var (output, _) = Feed(WireProtocol.OpenAIChat, input, 64, strip: false);

        Assert.Equal(input, output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(0)]
    public void Mixed_line_ends_comments_and_other_fields_survive_stripping(int chunkSize)
    {
        const string Kept =
            ": keep-alive\r\n\r\n" +
            "id: 1\nretry: 3000\ndata: {\"id\":\"c9\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\u00e9t\u00e9\"}}]}\r\n\n";
        const string UsageOnly = "data: {\"id\":\"c9\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\r\r";
        const string Done = "data: [DONE]\n\r\n";
        var input = Encoding.UTF8.GetBytes(Kept + UsageOnly + Done);

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, chunkSize, strip: true);

        Assert.Equal(Kept + Done, Encoding.UTF8.GetString(output));
        Assert.Equal(new MeteredCall(new TokenUsage(4, 2), true, "c9", "gpt-x", false, 3) { UsageFinal = true }, result);
    }

    [Fact]
    public void A_held_event_cut_off_by_the_end_of_upstream_is_still_forwarded()
    {
        var input = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"id\":\"c1\",\"cho"u8.ToArray();

        var (output, result) = Feed(WireProtocol.OpenAIChat, input, 5, strip: true);

        Assert.Equal(input, output);
        Assert.Equal(2, result.OutputCharsSeen);
        Assert.False(result.Finished);
    }

    [Fact]
    public void A_usage_only_event_over_the_size_cap_is_forwarded_unmetered()
    {
        var padding = new string('x', 300);
        var input = Encoding.UTF8.GetBytes(
            "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2},\"pad\":\"" + padding + "\"}\n\n" +
            "data: [DONE]\n\n");

        var (output, result) = Feed(StreamMeters.Create(WireProtocol.OpenAIChat, stripUsageOnlyChunk: true, maxEventBytes: 128), input, 16);

        Assert.Equal(input, output);
        Assert.Null(result.Usage);
        Assert.True(result.Finished);
    }

    /// <summary>The expected client bytes, made by cutting the one line with <c>"choices":[]</c> and its blank line.</summary>
    private static byte[] WithoutUsageOnlyEvent(byte[] input, string lineEnd)
    {
        var text = Encoding.UTF8.GetString(input);
        var lines = text.Split(lineEnd);
        var usageLines = lines.Where(line => line.Contains("\"choices\":[]", StringComparison.Ordinal)).ToList();
        Assert.Single(usageLines);
        var cut = text.Replace(usageLines[0] + lineEnd + lineEnd, string.Empty, StringComparison.Ordinal);
        Assert.Equal(text.Length - usageLines[0].Length - (2 * lineEnd.Length), cut.Length);
        return Encoding.UTF8.GetBytes(cut);
    }
}
