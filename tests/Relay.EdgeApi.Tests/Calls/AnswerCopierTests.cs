using System.Buffers;
using System.Text;
using Relay.Accounts;
using Relay.EdgeApi.Calls;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Tests.Support;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>The copy of one answer, in memory: what reaches the client, when it is flushed, and how the copy ends.</summary>
public sealed class AnswerCopierTests : IDisposable
{
    private const string MessageStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-6\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n";
    private const string Delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n";
    private const string MessageDelta = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n";
    private const string MessageStop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ScriptedUpstream _upstream = new();
    private readonly RecordingClient _client = new();
    private readonly CancellationTokenSource _clientGone = new();
    private readonly CancellationTokenSource _drainOver = new();

    public void Dispose()
    {
        _upstream.Dispose();
        _clientGone.Dispose();
        _drainOver.Dispose();
    }

    [Fact]
    public async Task A_whole_answer_reaches_the_client_byte_for_byte_and_ends_complete_with_the_providers_usage()
    {
        _upstream.Push(MessageStart + Delta);
        _upstream.Push(MessageDelta + MessageStop);
        _upstream.End();

        var answer = await CopyAsync(AnthropicMeter());

        Assert.Equal(AnswerEnd.Complete, answer.End);
        Assert.Equal(MessageStart + Delta + MessageDelta + MessageStop, _client.Received);
        Assert.Equal(new TokenUsage(10, 5), answer.Metered.Usage);
        Assert.True(answer.Metered.UsageFinal);
        Assert.True(answer.Metered.Finished);
        Assert.Equal("msg_1", answer.Metered.UpstreamId);
        Assert.Null(answer.UpstreamError);
    }

    [Fact]
    public async Task Events_that_arrive_together_leave_in_one_flush_and_the_copy_flushes_when_the_upstream_has_nothing_more_ready()
    {
        // Three reads ready at once, then the upstream keeps the copier waiting.
        _upstream.Push(MessageStart);
        _upstream.Push(Delta);
        _upstream.Push(Delta);
        var firstFlush = _client.NextFlush;
        var copy = CopyAsync(AnthropicMeter());

        await firstFlush.WaitAsync(Patience);
        Assert.Equal([MessageStart + Delta + Delta], _client.Flushes.Select(Text));
        Assert.False(copy.IsCompleted);

        var secondFlush = _client.NextFlush;
        _upstream.Push(MessageDelta);
        await secondFlush.WaitAsync(Patience);
        _upstream.Push(MessageStop);
        _upstream.End();
        var answer = await copy.WaitAsync(Patience);

        Assert.Equal(AnswerEnd.Complete, answer.End);
        // The last flush may carry the end alone, when the end came after the copier started waiting.
        Assert.Equal([MessageStart + Delta + Delta, MessageDelta, MessageStop], _client.Flushes.Where(f => f.Length > 0).Select(Text));
    }

    [Fact]
    public async Task An_answer_that_is_all_ready_is_still_flushed_every_64_KiB_and_not_held_whole()
    {
        var large = new byte[300 * 1024];
        Array.Fill(large, (byte)'x');
        _upstream.Push(large);
        _upstream.End();

        var answer = await CopyAsync(new WholeAnswerMeter(WireProtocol.AnthropicMessages));

        Assert.Equal(AnswerEnd.Complete, answer.End);
        Assert.Equal(large.Length, _client.Flushes.Sum(f => f.Length));
        Assert.All(_client.Flushes, flush => Assert.InRange(flush.Length, 0, 64 * 1024));
        Assert.True(_client.Flushes.Count >= 5);
    }

    [Fact]
    public async Task The_first_bytes_are_reported_once_right_after_they_are_flushed()
    {
        var flushesWhenReported = new List<int>();
        var firstFlush = _client.NextFlush;
        _upstream.Push(MessageStart);
        var copy = CopyAsync(AnthropicMeter(), () => flushesWhenReported.Add(_client.Flushes.Count));
        await firstFlush.WaitAsync(Patience);

        _upstream.Push(Delta + MessageDelta + MessageStop);
        _upstream.End();
        await copy;

        Assert.Equal([1], flushesWhenReported);
    }

    [Fact]
    public async Task An_upstream_that_breaks_mid_answer_is_a_cut_with_what_was_metered_before_it()
    {
        var broken = new IOException("connection reset by peer");
        _upstream.Push(MessageStart + Delta);
        _upstream.Break(broken);

        var answer = await CopyAsync(AnthropicMeter());

        Assert.Equal(AnswerEnd.CutByUpstream, answer.End);
        Assert.Same(broken, answer.UpstreamError);
        Assert.Equal(MessageStart + Delta, _client.Received);
        Assert.Equal(new TokenUsage(10, 1), answer.Metered.Usage);
        Assert.False(answer.Metered.UsageFinal);
        Assert.False(answer.Metered.Finished);
        Assert.Equal(5, answer.Metered.OutputCharsSeen);
    }

    [Fact]
    public async Task An_upstream_gone_quiet_past_its_idle_timeout_is_a_cut()
    {
        _upstream.Push(MessageStart);
        _upstream.Break(new UpstreamIdleTimeoutException(TimeSpan.FromMinutes(5)));

        var answer = await CopyAsync(AnthropicMeter());

        Assert.Equal(AnswerEnd.CutByUpstream, answer.End);
        Assert.IsType<UpstreamIdleTimeoutException>(answer.UpstreamError);
    }

    [Fact]
    public async Task A_client_that_no_longer_reads_ends_the_copy_without_waiting_for_the_upstream()
    {
        _upstream.Push(MessageStart);
        var firstFlush = _client.NextFlush;
        var copy = CopyAsync(AnthropicMeter());
        await firstFlush.WaitAsync(Patience);

        _client.Leave();
        _upstream.Push(Delta);

        // The upstream then sends nothing more: the copy must give up its pending read rather than wait for it.
        var answer = await copy.WaitAsync(Patience);
        Assert.Equal(AnswerEnd.ClientGone, answer.End);
        Assert.Equal(new TokenUsage(10, 1), answer.Metered.Usage);
    }

    [Fact]
    public async Task A_client_that_leaves_while_the_upstream_is_quiet_ends_the_copy_as_client_gone()
    {
        _upstream.Push(MessageStart);
        var firstFlush = _client.NextFlush;
        var copy = CopyAsync(AnthropicMeter());
        await firstFlush.WaitAsync(Patience);

        await _clientGone.CancelAsync();

        var answer = await copy.WaitAsync(Patience);
        Assert.Equal(AnswerEnd.ClientGone, answer.End);
    }

    [Fact]
    public async Task The_end_of_the_drain_time_cuts_an_answer_whose_client_is_still_there()
    {
        _upstream.Push(MessageStart);
        var firstFlush = _client.NextFlush;
        var copy = CopyAsync(AnthropicMeter());
        await firstFlush.WaitAsync(Patience);

        await _drainOver.CancelAsync();

        var answer = await copy.WaitAsync(Patience);
        Assert.Equal(AnswerEnd.CutByDrain, answer.End);
        Assert.Equal(MessageStart, _client.Received);
    }

    [Fact]
    public async Task A_client_that_leaves_while_the_edge_drains_is_gone_not_cut()
    {
        _upstream.Push(MessageStart);
        var firstFlush = _client.NextFlush;
        var copy = CopyAsync(AnthropicMeter());
        await firstFlush.WaitAsync(Patience);

        await _clientGone.CancelAsync();
        await _drainOver.CancelAsync();

        Assert.Equal(AnswerEnd.ClientGone, (await copy.WaitAsync(Patience)).End);
    }

    [Fact]
    public async Task A_translator_gets_what_the_meter_passes_on_and_the_client_gets_what_the_translator_writes()
    {
        // The usage-only chunk Relay asked for is metered, kept from the translator, and the rest is translated.
        const string Chunk = "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-5\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n";
        const string UsageOnly = "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\n\n";
        const string Done = "data: [DONE]\n\n";
        _upstream.Push(Chunk + UsageOnly);
        _upstream.Push(Done);
        _upstream.End();
        var translator = new UpperCaseTranslator();

        var answer = await new AnswerCopier(StreamMeters.Create(WireProtocol.OpenAIChat, stripUsageOnlyChunk: true), translator)
            .CopyAsync(_upstream, _client, _clientGone.Token, _drainOver.Token).WaitAsync(Patience);

        Assert.Equal(AnswerEnd.Complete, answer.End);
        Assert.Equal(Chunk + Done, translator.Seen);
        Assert.Equal((Chunk + Done).ToUpperInvariant() + "[END]", _client.Received);
        Assert.Equal(new TokenUsage(7, 2), answer.Metered.Usage);
    }

    [Fact]
    public async Task A_non_streamed_answer_is_metered_whole_however_it_was_chunked()
    {
        const string Body = "{\"id\":\"msg_2\",\"type\":\"message\",\"model\":\"claude-sonnet-4-6\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"usage\":{\"input_tokens\":12,\"output_tokens\":3}}";
        _upstream.Push(Body[..40]);
        _upstream.Push(Body[40..]);
        _upstream.End();

        var answer = await CopyAsync(new WholeAnswerMeter(WireProtocol.AnthropicMessages));

        Assert.Equal(Body, _client.Received);
        Assert.Equal(new TokenUsage(12, 3), answer.Metered.Usage);
        Assert.True(answer.Metered.Finished);
        Assert.Equal("msg_2", answer.Metered.UpstreamId);
    }

    private Task<CopiedAnswer> CopyAsync(IStreamMeter meter, Action? firstBytes = null) =>
        new AnswerCopier(meter).CopyAsync(_upstream, _client, _clientGone.Token, _drainOver.Token, firstBytes).WaitAsync(Patience);

    private static IStreamMeter AnthropicMeter() => StreamMeters.Create(WireProtocol.AnthropicMessages, stripUsageOnlyChunk: false);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Stands in for a wire-format translator: upper-cases what it gets and ends with a marker.</summary>
    private sealed class UpperCaseTranslator : IAnswerStage
    {
        private readonly StringBuilder _seen = new();

        public string Seen => _seen.ToString();

        public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
        {
            var text = Encoding.UTF8.GetString(chunk);
            _seen.Append(text);
            output.Write(Encoding.UTF8.GetBytes(text.ToUpperInvariant()));
        }

        public void Complete(IBufferWriter<byte> output) => output.Write("[END]"u8);
    }
}
