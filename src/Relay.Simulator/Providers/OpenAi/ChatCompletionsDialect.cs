using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers.OpenAi;

/// <summary>OpenAI Chat Completions (<c>/v1/chat/completions</c>).</summary>
internal sealed class ChatCompletionsDialect : IProviderDialect
{
    public static ChatCompletionsDialect Instance { get; } = new();

    private static readonly string s_fingerprint = UpstreamIds.Fingerprint();

    public RequestShape Shape => RequestShape.ChatCompletions;

    public bool AcceptsXApiKey => false;

    public string NewId(DateTimeOffset at) => UpstreamIds.ChatCompletion();

    public string StampResponse(HttpResponse response) => OpenAiErrors.StampResponse(response);

    public Reply Unauthorized(string? presentedKey, string requestId) => OpenAiErrors.Unauthorized(presentedKey);

    public Reply BadRequest(CallRequestProblem problem, string detail, string requestId) => OpenAiErrors.BadRequest(problem, detail);

    public Reply FaultStatus(int status, string requestId) => OpenAiErrors.FaultStatus(status);

    public Reply OverloadedAnswer(string requestId) => OpenAiErrors.FaultStatus(500);

    public byte[] Answer(SimulatedCall call) => Json.Object(w =>
    {
        w.WriteString("id", call.Id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", call.CreatedUnixSeconds);
        w.WriteString("model", call.Model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.Object("message", m =>
        {
            m.WriteString("role", "assistant");
            m.WriteString("content", call.Text);
            m.WriteNull("refusal");
            if (call.ToolCalls.Count > 0)
            {
                m.WriteStartArray("tool_calls");
                foreach (var tool in call.ToolCalls)
                {
                    m.WriteStartObject();
                    m.WriteString("id", tool.Id);
                    m.WriteString("type", "function");
                    m.Object("function", f =>
                    {
                        f.WriteString("name", tool.Name);
                        f.WriteString("arguments", tool.Arguments);
                    });
                    m.WriteEndObject();
                }
                m.WriteEndArray();
            }
            m.EmptyArray("annotations");
        });
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", FinishReason(call));
        w.WriteEndObject();
        w.WriteEndArray();
        w.Object("usage", u => Usage(u, call.Tokens));
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", s_fingerprint);
    });

    public IReadOnlyList<SseEvent> Stream(SimulatedCall call)
    {
        List<SseEvent> events =
        [
            Chunk(call, d =>
            {
                d.WriteString("role", "assistant");
                d.WriteString("content", "");
                d.WriteNull("refusal");
            }, finishReason: null),
        ];
        foreach (var delta in call.Deltas)
        {
            events.Add(Chunk(call, d => d.WriteString("content", delta), finishReason: null));
        }

        for (var k = 0; k < call.ToolCalls.Count; k++)
        {
            var index = k;
            var tool = call.ToolCalls[k];
            // As recorded: a call's first chunk names it with empty arguments, later ones carry only index and pieces.
            events.Add(Chunk(call, d => ToolCallDelta(d, index, tool, null), finishReason: null));
            events.AddRange(tool.Pieces.Select(piece => Chunk(call, d => ToolCallDelta(d, index, null, piece), finishReason: null)));
        }

        events.Add(Chunk(call, _ => { }, finishReason: FinishReason(call)));
        if (call.IncludeUsage)
        {
            events.Add(new(null, Json.Object(w =>
            {
                Head(w, call);
                w.EmptyArray("choices");
                w.Object("usage", u => Usage(u, call.Tokens));
            })));
        }

        events.Add(SseEvent.Done);
        return events;
    }

    private static string FinishReason(SimulatedCall call) => call.ToolCalls.Count > 0 ? "tool_calls" : "stop";

    private static void ToolCallDelta(Utf8JsonWriter d, int index, SimulatedToolCall? opening, string? piece)
    {
        d.WriteStartArray("tool_calls");
        d.WriteStartObject();
        d.WriteNumber("index", index);
        if (opening is not null)
        {
            d.WriteString("id", opening.Id);
            d.WriteString("type", "function");
        }

        d.Object("function", f =>
        {
            if (opening is not null)
            {
                f.WriteString("name", opening.Name);
            }

            f.WriteString("arguments", piece ?? "");
        });
        d.WriteEndObject();
        d.WriteEndArray();
    }

    /// <summary>Chat streams have no error event; the SDKs raise a <c>data:</c> object carrying <c>error</c>.</summary>
    public IReadOnlyList<SseEvent> ErrorEvents(SimulatedCall call, int eventsSent) =>
        [new(null, OpenAiErrors.Body(OpenAiErrors.ServerErrorMessage, "server_error", null))];

    public ServedUsage Reported(SimulatedCall call) => new(
        call.Tokens.Input,
        call.Tokens.BilledOutput,
        call.Tokens.CacheRead,
        CacheWrite5mTokens: 0,
        CacheWrite1hTokens: 0,
        call.Tokens.Reasoning);

    /// <summary>prompt_tokens includes cached tokens; completion_tokens includes reasoning tokens.</summary>
    private static void Usage(Utf8JsonWriter u, TokenCounts tokens)
    {
        var prompt = tokens.Input + tokens.CacheRead;
        u.WriteNumber("prompt_tokens", prompt);
        u.WriteNumber("completion_tokens", tokens.BilledOutput);
        u.WriteNumber("total_tokens", prompt + tokens.BilledOutput);
        u.Object("prompt_tokens_details", p =>
        {
            p.WriteNumber("cached_tokens", tokens.CacheRead);
            p.WriteNumber("audio_tokens", 0);
        });
        u.Object("completion_tokens_details", c =>
        {
            c.WriteNumber("reasoning_tokens", tokens.Reasoning);
            c.WriteNumber("audio_tokens", 0);
            c.WriteNumber("accepted_prediction_tokens", 0);
            c.WriteNumber("rejected_prediction_tokens", 0);
        });
    }

    private static void Head(Utf8JsonWriter w, SimulatedCall call)
    {
        w.WriteString("id", call.Id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", call.CreatedUnixSeconds);
        w.WriteString("model", call.Model);
        w.WriteString("system_fingerprint", s_fingerprint);
    }

    /// <summary>With include_usage, every chunk but the usage-only one carries <c>"usage":null</c>, as the spec says.</summary>
    private static SseEvent Chunk(SimulatedCall call, Action<Utf8JsonWriter> delta, string? finishReason) =>
        new(null, Json.Object(w =>
        {
            Head(w, call);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.Object("delta", delta);
            w.WriteNull("logprobs");
            w.StringOrNull("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            if (call.IncludeUsage)
            {
                w.WriteNull("usage");
            }

            if (call.IncludeObfuscation)
            {
                w.WriteString("obfuscation", UpstreamIds.Obfuscation());
            }
        }));
}
