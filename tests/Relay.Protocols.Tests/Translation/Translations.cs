using System.Buffers;
using System.Text;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Translation;
using Relay.EdgeApi.Translation.Anthropic;
using Relay.EdgeApi.Translation.OpenAI;

namespace Relay.Protocols.Tests.Translation;

/// <summary>Builds translations the way the edge does, and reads any protocol's answer back into neutral parts.</summary>
internal static class Translations
{
    public const long Created = 1_760_000_000;

    /// <summary>A small request in the client's protocol, translated for the upstream's.</summary>
    public static CallTranslation Call(WireProtocol client, WireProtocol upstream, bool stream = true, string extra = "")
    {
        var body = client switch
        {
            WireProtocol.AnthropicMessages => $$"""{"model":"m","max_tokens":1000,"stream":{{Json(stream)}},"messages":[{"role":"user","content":"Hi"}]{{extra}}}""",
            WireProtocol.OpenAIChat => $$"""{"model":"m","stream":{{Json(stream)}},"stream_options":{{(stream ? """{"include_usage":true}""" : "null")}},"messages":[{"role":"user","content":"Hi"}]{{extra}}}""",
            _ => $$"""{"model":"m","stream":{{Json(stream)}},"input":"Hi","include":["reasoning.encrypted_content"]{{extra}}}""",
        };
        var translation = CallTranslation.Translate(client, upstream, Encoding.UTF8.GetBytes(body), 4096);
        Assert.True(translation.Call is not null, translation.ProblemMessage);
        return translation.Call!;
    }

    private static string Json(bool value) => value ? "true" : "false";

    /// <summary>Translates an upstream stream fed in chunks of <paramref name="chunkSize"/> bytes (0: one chunk).</summary>
    public static byte[] Stream(CallTranslation call, ReadOnlySpan<byte> upstream, int chunkSize)
    {
        using var stream = call.CreateStream(Created);
        var output = new ArrayBufferWriter<byte>();
        var size = chunkSize <= 0 ? Math.Max(1, upstream.Length) : chunkSize;
        for (var offset = 0; offset < upstream.Length; offset += size)
        {
            stream.Process(upstream.Slice(offset, Math.Min(size, upstream.Length - offset)), output);
        }
        stream.Complete(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads a stream of any protocol with Relay's own readers (tested against the recorded transcripts).</summary>
    public static Answer Read(WireProtocol protocol, ReadOnlySpan<byte> stream)
    {
        var builder = new AnswerBuilder();
        ISseEventSink reader = protocol switch
        {
            WireProtocol.AnthropicMessages => new AnthropicAnswerReader(builder),
            WireProtocol.OpenAIChat => new ChatAnswerReader(builder),
            _ => new ResponsesAnswerReader(builder),
        };
        var splitter = new SseEventSplitter(CallTranslation.MaxEventBytes);
        splitter.Feed(stream, reader);
        splitter.Complete(reader);
        return builder.Build();
    }

    /// <summary>The events of an SSE text: (event name or the data's "type", data).</summary>
    public static List<(string Name, string Data)> Events(byte[] stream)
    {
        var sink = new EventList();
        var splitter = new SseEventSplitter(CallTranslation.MaxEventBytes);
        splitter.Feed(stream, sink);
        splitter.Complete(sink);
        return sink.Events;
    }

    private sealed class EventList : ISseEventSink
    {
        public List<(string Name, string Data)> Events { get; } = [];

        public void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data) => Events.Add((Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(data)));
    }

    /// <summary>What a client does with an answer: its text, thinking and tool calls (arguments whole), in order.</summary>
    public static List<string> Content(Answer answer) =>
    [
        .. answer.Parts.Select(part => part switch
        {
            TextPart text => "text:" + text.Text,
            ThinkingPart thinking => "thinking:" + thinking.Text,
            ToolCallPart call => $"tool:{call.Id}:{call.Name}:{Normalize(call.Arguments)}",
            _ => part.ToString()!,
        }),
    ];

    private static string Normalize(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();
}
