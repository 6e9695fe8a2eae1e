using System.Text;
using System.Text.Json;
using Relay.Accounts;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Translation;
using static Relay.EdgeApi.Protocols.WireProtocol;
using static Relay.Protocols.Tests.Translation.Translations;

namespace Relay.Protocols.Tests.Translation;

/// <summary>Every recorded upstream stream, translated into each other protocol, in any chunking.</summary>
public sealed class StreamTranslationTests
{
    private static readonly Dictionary<string, WireProtocol> s_transcripts = new(StringComparer.Ordinal)
    {
        ["anthropic/messages-stream-text.sse"] = AnthropicMessages,
        ["anthropic/messages-stream-tool.sse"] = AnthropicMessages,
        ["anthropic/messages-stream-thinking.sse"] = AnthropicMessages,
        ["anthropic/messages-stream-error-event.sse"] = AnthropicMessages,
        ["anthropic/messages-stream-error-midstream.assembled.sse"] = AnthropicMessages,
        ["anthropic/sdk-fixture-basic.sse"] = AnthropicMessages,
        ["anthropic/sdk-fixture-tool-use.sse"] = AnthropicMessages,
        ["anthropic/sdk-fixture-thinking-refusal.synthetic.sse"] = AnthropicMessages,
        ["openai/chat-stream-usage.sse"] = OpenAIChat,
        ["openai/chat-stream-tool-calls.sse"] = OpenAIChat,
        ["openai/chat-stream-refusal.sse"] = OpenAIChat,
        ["glm/chat-stream.sse"] = OpenAIChat,
        ["openai/responses-stream.sse"] = OpenAIResponses,
        ["openai/responses-stream-text.recorded.sse"] = OpenAIResponses,
        ["openai/responses-stream-function-call.recorded.sse"] = OpenAIResponses,
        ["openai/responses-stream-text-after-tool.recorded.sse"] = OpenAIResponses,
        ["openai/responses-stream-error-insufficient-quota.recorded.sse"] = OpenAIResponses,
    };

    public static TheoryData<string, WireProtocol> Pairs()
    {
        var data = new TheoryData<string, WireProtocol>();
        foreach (var (file, upstream) in s_transcripts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            foreach (var client in Enum.GetValues<WireProtocol>().Where(client => client != upstream))
            {
                data.Add(file, client);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_translated_stream_is_the_same_however_the_upstream_bytes_are_cut(string file, WireProtocol client)
    {
        var input = WireFiles.Bytes(file);
        var call = Call(client, s_transcripts[file]);
        var whole = Stream(call, input, 0);

        foreach (var size in new[] { 1, 2, 7, 64 })
        {
            Assert.Equal(Encoding.UTF8.GetString(whole), Encoding.UTF8.GetString(Stream(call, input, size)));
        }
        for (var cut = 1; cut < input.Length; cut++)
        {
            using var stream = call.CreateStream(Created);
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            stream.Process(input.AsSpan(0, cut), output);
            stream.Process(input.AsSpan(cut), output);
            stream.Complete(output);
            Assert.True(output.WrittenSpan.SequenceEqual(whole), $"{file} for {client} differs when cut at byte {cut}");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_translated_stream_says_what_the_upstream_said_with_each_tool_call_whole(string file, WireProtocol client)
    {
        var upstream = s_transcripts[file];
        var input = WireFiles.Bytes(file);

        var original = Read(upstream, input);
        var translated = Read(client, Stream(Call(client, upstream), input, 7));

        Assert.Equal(Content(original), Content(translated));
        Assert.Equal(original.Error is null, translated.Error is null);
        if (original.Error is null)
        {
            Assert.Equal(Normalized(original.Stop), Normalized(translated.Stop));
            Assert.Equal(Billed(original.Usage), Billed(translated.Usage));
        }
    }

    [Fact]
    public void Every_recorded_stream_is_translated()
    {
        Assert.Equal(
            WireFiles.All("*.sse").Where(file => !file.Contains("websearch", StringComparison.Ordinal)),
            s_transcripts.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_anthropic_tool_stream_reaches_a_chat_client_as_tool_call_deltas_with_the_usage_chunk()
    {
        var output = Stream(Call(OpenAIChat, AnthropicMessages), WireFiles.Bytes("anthropic/messages-stream-tool.sse"), 5);
        var chunks = Events(output).Select(e => e.Data).ToList();

        Assert.Equal("[DONE]", chunks[^1]);
        using var usage = JsonDocument.Parse(chunks[^2]);
        Assert.Equal(0, usage.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal(472, usage.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(89, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        using var finish = JsonDocument.Parse(chunks[^3]);
        Assert.Equal("tool_calls", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var toolChunks = chunks.Where(c => c.Contains("\"tool_calls\"", StringComparison.Ordinal)).ToList();
        Assert.True(toolChunks.Count > 3);
        Assert.Contains("\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\"", toolChunks[0], StringComparison.Ordinal);
        Assert.Contains("\"name\":\"get_weather\"", toolChunks[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_chat_client_that_did_not_ask_for_usage_gets_no_usage_chunk()
    {
        var call = CallTranslation.Translate(OpenAIChat, AnthropicMessages, """{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""u8, 4096).Call!;

        var chunks = Events(Stream(call, WireFiles.Bytes("anthropic/messages-stream-text.sse"), 0)).Select(e => e.Data).ToList();

        Assert.DoesNotContain(chunks, c => c.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal("[DONE]", chunks[^1]);
    }

    [Fact]
    public void An_anthropic_stream_reaches_a_responses_client_with_cache_and_thinking_usage_in_its_completed_event()
    {
        var output = Stream(Call(OpenAIResponses, AnthropicMessages), WireFiles.Bytes("anthropic/sdk-fixture-thinking-refusal.synthetic.sse"), 11);
        var events = Events(output);

        Assert.Equal("response.created", events[0].Name);
        Assert.Equal("response.incomplete", events[^1].Name);
        var sequence = events.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("sequence_number").GetInt32());
        Assert.Equal(Enumerable.Range(0, events.Count), sequence);
        using var final = JsonDocument.Parse(events[^1].Data);
        var usage = final.RootElement.GetProperty("response").GetProperty("usage");
        Assert.Equal(106, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal("content_filter", final.RootElement.GetProperty("response").GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Contains(events, e => e.Name == "response.reasoning_summary_text.delta");
    }

    [Fact]
    public void Anthropic_thinking_reaches_a_responses_client_with_its_signature_as_encrypted_content()
    {
        var output = Stream(Call(OpenAIResponses, AnthropicMessages), WireFiles.Bytes("anthropic/messages-stream-thinking.sse"), 0);

        var reasoning = Events(output).Where(e => e.Name == "response.output_item.done").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("item")).First();

        Assert.Equal("reasoning", reasoning.GetProperty("type").GetString());
        Assert.StartsWith("relay.anthropic.thinking:", reasoning.GetProperty("encrypted_content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_responses_function_call_reaches_an_anthropic_client_as_one_tool_use_block_with_input_json_deltas()
    {
        var output = Stream(Call(AnthropicMessages, OpenAIResponses), WireFiles.Bytes("openai/responses-stream-function-call.recorded.sse"), 3);
        var events = Events(output);

        Assert.Equal(["message_start", "content_block_start", "content_block_delta"], events.Take(3).Select(e => e.Name));
        var start = JsonDocument.Parse(events[1].Data).RootElement.GetProperty("content_block");
        Assert.Equal("tool_use", start.GetProperty("type").GetString());
        Assert.Equal("call_5dp5Uj0Loqn1YcyIpqSq6sLX", start.GetProperty("id").GetString());
        Assert.Equal(12, events.Count(e => e.Name == "content_block_delta"));
        using var delta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal("tool_use", delta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        var usage = delta.RootElement.GetProperty("usage");
        Assert.Equal(75, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(27 + 128, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal("message_stop", events[^1].Name);
    }

    [Fact]
    public void A_mid_stream_error_reaches_each_client_as_its_protocols_error()
    {
        var input = WireFiles.Bytes("anthropic/messages-stream-error-midstream.assembled.sse");

        var chat = Events(Stream(Call(OpenAIChat, AnthropicMessages), input, 0));
        var responses = Events(Stream(Call(OpenAIResponses, AnthropicMessages), input, 0));

        Assert.Contains("\"error\":{\"message\":\"Overloaded\"", chat[^1].Data, StringComparison.Ordinal);
        Assert.DoesNotContain(chat, e => e.Data == "[DONE]");
        Assert.Equal(["error", "response.failed"], responses.TakeLast(2).Select(e => e.Name));
    }

    private static StopReason Normalized(StopReason reason) => reason == StopReason.StopSequence ? StopReason.EndTurn : reason;

    /// <summary>What the usage bills as seen by a client: all input, all output (providers split them differently).</summary>
    private static (long Input, long Output) Billed(TokenUsage usage) =>
        (usage.InputTokens + usage.CacheReadTokens + usage.CacheWrite5mTokens + usage.CacheWrite1hTokens, usage.OutputTokens + usage.ReasoningTokens);
}
