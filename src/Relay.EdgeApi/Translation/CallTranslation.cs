using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Translation.Anthropic;
using Relay.EdgeApi.Translation.OpenAI;

namespace Relay.EdgeApi.Translation;

/// <summary>The outcome of translating a request: the upstream body, or the field that cannot be translated.</summary>
public sealed record RequestTranslation(CallTranslation? Call, string? ProblemField, string? ProblemMessage);

/// <summary>
/// One call spoken by the client in one protocol and sent upstream in another: its request translated once, then its
/// answer (streamed event by event, or whole), or its upstream error, translated back. The three protocols are read
/// and written in one place each (Translation/Anthropic, Translation/OpenAI) through <see cref="Conversation"/> and
/// <see cref="IAnswerEvents"/>; docs/translation.md has the table for each pair.
/// </summary>
public sealed class CallTranslation
{
    /// <summary>The largest upstream event a stream translation holds while it arrives (Responses repeats the whole answer in its last).</summary>
    public const int MaxEventBytes = 32 << 20;

    private readonly Conversation _request;

    private CallTranslation(WireProtocol client, WireProtocol upstream, Conversation request, byte[] body)
    {
        Client = client;
        Upstream = upstream;
        _request = request;
        UpstreamBody = body;
    }

    public WireProtocol Client { get; }

    public WireProtocol Upstream { get; }

    /// <summary>The request as the upstream protocol says it.</summary>
    public ReadOnlyMemory<byte> UpstreamBody { get; }

    public static string ApiName(WireProtocol protocol) => protocol switch
    {
        WireProtocol.AnthropicMessages => AnthropicRequests.Api,
        WireProtocol.OpenAIChat => ChatRequests.Api,
        _ => ResponsesRequests.Api,
    };

    /// <summary>
    /// Translates the client's body (as Relay forwards it: after any rewrite of its limits) into the upstream protocol.
    /// </summary>
    /// <param name="defaultMaxTokens">The output limit to send when the client named none and the upstream requires one (Anthropic).</param>
    public static RequestTranslation Translate(WireProtocol client, WireProtocol upstream, ReadOnlySpan<byte> body, long defaultMaxTokens)
    {
        if (client == upstream)
        {
            throw new ArgumentException("A call in the upstream's own protocol is relayed, not translated.", nameof(upstream));
        }
        try
        {
            if (JsonNode.Parse(body) is not JsonObject json)
            {
                return new RequestTranslation(null, "body", "The request body must be a JSON object.");
            }
            var target = ApiName(upstream);
            var conversation = client switch
            {
                WireProtocol.AnthropicMessages => AnthropicRequests.Read(json, target),
                WireProtocol.OpenAIChat => ChatRequests.Read(json, target),
                _ => ResponsesRequests.Read(json, target),
            };
            var translated = upstream switch
            {
                WireProtocol.AnthropicMessages => AnthropicRequests.Write(conversation, defaultMaxTokens),
                WireProtocol.OpenAIChat => ChatRequests.Write(conversation),
                _ => ResponsesRequests.Write(conversation),
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(translated, s_nodeOptions);
            return new RequestTranslation(new CallTranslation(client, upstream, conversation, bytes), null, null);
        }
        catch (TranslationRefusal refusal)
        {
            return new RequestTranslation(null, refusal.Field, refusal.Message);
        }
        catch (JsonException ex)
        {
            return new RequestTranslation(null, "body", $"The request body is not valid JSON ({ex.Message}).");
        }
    }

    private static readonly JsonSerializerOptions s_nodeOptions = new() { Encoder = SseOutput.JsonOptions.Encoder };

    /// <summary>A translator for one streamed answer.</summary>
    public IStreamTranslation CreateStream(long createdUnixSeconds) => new StreamTranslation(this, _request, createdUnixSeconds);

    /// <summary>Translates a whole (non-streamed) upstream answer; an answer that does not parse is an upstream failure.</summary>
    public TranslatedReply TranslateAnswer(ReadOnlySpan<byte> upstreamBody, long createdUnixSeconds)
    {
        var builder = new AnswerBuilder();
        try
        {
            using var document = JsonDocument.Parse(upstreamBody.ToArray());
            var root = document.RootElement;
            switch (Upstream)
            {
                case WireProtocol.AnthropicMessages:
                    new AnthropicAnswerReader(builder).ReadWhole(root);
                    break;
                case WireProtocol.OpenAIChat:
                    new ChatAnswerReader(builder).ReadWhole(root);
                    break;
                default:
                    new ResponsesAnswerReader(builder).ReadWhole(root);
                    break;
            }
        }
        catch (JsonException)
        {
            return TranslateError(new UpstreamError(502, "api_error", "The upstream provider's answer could not be read; you were not charged for what could not be delivered."), null);
        }
        var answer = builder.Build();
        if (answer.Error is { } error)
        {
            return TranslateError(error with { Status = error.Status == 200 ? 500 : error.Status }, null);
        }
        var body = Client switch
        {
            WireProtocol.AnthropicMessages => AnthropicAnswers.Write(answer),
            WireProtocol.OpenAIChat => ChatAnswers.Write(answer, createdUnixSeconds),
            _ => ResponsesAnswers.Write(answer, createdUnixSeconds, _request),
        };
        return new TranslatedReply(200, body);
    }

    /// <summary>Translates an upstream's error answer (status and body) into the client's error shape and status.</summary>
    public TranslatedReply TranslateError(int status, ReadOnlySpan<byte> upstreamBody, string? requestId)
    {
        UpstreamError error;
        try
        {
            using var document = JsonDocument.Parse(upstreamBody.ToArray());
            error = Upstream == WireProtocol.AnthropicMessages
                ? AnthropicErrors.Read(status, document.RootElement)
                : OpenAIJson.ReadError(status, document.RootElement);
        }
        catch (JsonException)
        {
            error = new UpstreamError(status, ErrorKinds.OfStatus(status), $"The upstream provider answered with status {status}.");
        }
        return TranslateError(error with { Status = status }, requestId);
    }

    private TranslatedReply TranslateError(UpstreamError error, string? requestId) => Client == WireProtocol.AnthropicMessages
        ? new TranslatedReply(error.Status, AnthropicErrors.Write(error, requestId))
        : new TranslatedReply(OpenAIJson.StatusFor(error), OpenAIJson.WriteError(error));

    private sealed class StreamTranslation : IStreamTranslation, ISseEventSink
    {
        private readonly SseEventSplitter _splitter = new(MaxEventBytes);
        private readonly SseOutput _output = new();
        private readonly IAnswerEvents _writer;
        private readonly ISseEventSink _reader;
        private bool _broken;

        public StreamTranslation(CallTranslation call, Conversation request, long created)
        {
            _writer = call.Client switch
            {
                WireProtocol.AnthropicMessages => new AnthropicStreamWriter(_output),
                WireProtocol.OpenAIChat => new ChatStreamWriter(_output, created, request.IncludeUsage),
                _ => new ResponsesStreamWriter(_output, created, request),
            };
            _reader = call.Upstream switch
            {
                WireProtocol.AnthropicMessages => new AnthropicAnswerReader(_writer),
                WireProtocol.OpenAIChat => new ChatAnswerReader(_writer),
                _ => new ResponsesAnswerReader(_writer),
            };
        }

        public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
        {
            if (_broken)
            {
                return;
            }
            _output.Target = output;
            try
            {
                _splitter.Feed(chunk, this);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                Break();
            }
        }

        public void Complete(IBufferWriter<byte> output)
        {
            if (_broken)
            {
                return;
            }
            _output.Target = output;
            try
            {
                _splitter.Complete(this);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                Break();
            }
        }

        public void OnEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data) => _reader.OnEvent(name, data);

        public void Dispose() => _output.Dispose();

        /// <summary>An upstream event that does not parse ends the translation with an error the client's SDK raises.</summary>
        private void Break()
        {
            _broken = true;
            _writer.Fail(new UpstreamError(502, "api_error", "The upstream provider's answer could not be translated."));
        }
    }
}

/// <summary>A translated whole answer or error: the status and JSON body for the client.</summary>
public sealed record TranslatedReply(int Status, byte[] Body);

/// <summary>
/// Turns upstream stream bytes into the client's stream bytes, event by event: the stage after the meter in
/// <c>AnswerCopier</c>. An event still open at a chunk's end waits for the next chunk; at the end of upstream an
/// event left without its blank line still counts.
/// </summary>
public interface IStreamTranslation : IAnswerStage, IDisposable;
