using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers.OpenAi;

/// <summary>
/// OpenAI Responses (<c>/v1/responses</c>), shaped like the recorded gpt-5 stream: <c>sequence_number</c> on every
/// event, and a reasoning output item before the message when the call has reasoning tokens.
/// </summary>
internal sealed class ResponsesDialect : IProviderDialect
{
    public static ResponsesDialect Instance { get; } = new();

    private const string FailedMessage = "The model failed to generate a response.";

    public RequestShape Shape => RequestShape.Responses;

    public bool AcceptsXApiKey => false;

    public string NewId(DateTimeOffset at) => UpstreamIds.OpenAiObject("resp_");

    public string StampResponse(HttpResponse response) => OpenAiErrors.StampResponse(response);

    public Reply Unauthorized(string? presentedKey, string requestId) => OpenAiErrors.Unauthorized(presentedKey);

    public Reply BadRequest(CallRequestProblem problem, string detail, string requestId) => OpenAiErrors.BadRequest(problem, detail);

    public Reply FaultStatus(int status, string requestId) => OpenAiErrors.FaultStatus(status);

    public Reply OverloadedAnswer(string requestId) => OpenAiErrors.FaultStatus(500);

    public byte[] Answer(SimulatedCall call)
    {
        var items = Items.Of(call);
        return Json.Object(w => Response(w, call, "completed", o => items.WriteOutput(o, call.Text), usage: true, failed: false));
    }

    public IReadOnlyList<SseEvent> Stream(SimulatedCall call)
    {
        var items = Items.Of(call);
        var events = new List<SseEvent>();
        void Add(string type, Action<Utf8JsonWriter> fields) => events.Add(new(type, Json.Object(w =>
        {
            w.WriteString("type", type);
            w.WriteNumber("sequence_number", events.Count);
            fields(w);
        })));

        Add("response.created", w => w.Object("response", r => Response(r, call, "in_progress", _ => { }, usage: false, failed: false)));
        Add("response.in_progress", w => w.Object("response", r => Response(r, call, "in_progress", _ => { }, usage: false, failed: false)));
        if (items.ReasoningId is not null)
        {
            Add("response.output_item.added", w =>
            {
                w.WriteNumber("output_index", 0);
                w.Object("item", i => items.WriteReasoning(i, done: false));
            });
            if (call.ThinkingDeltas.Count > 0)
            {
                Add("response.reasoning_summary_part.added", w =>
                {
                    items.WriteSummaryPosition(w);
                    w.Object("part", p => Items.WriteSummaryPart(p, ""));
                });
                foreach (var delta in call.ThinkingDeltas)
                {
                    Add("response.reasoning_summary_text.delta", w =>
                    {
                        items.WriteSummaryPosition(w);
                        w.WriteString("delta", delta);
                    });
                }

                Add("response.reasoning_summary_text.done", w =>
                {
                    items.WriteSummaryPosition(w);
                    w.WriteString("text", items.Summary);
                });
                Add("response.reasoning_summary_part.done", w =>
                {
                    items.WriteSummaryPosition(w);
                    w.Object("part", p => Items.WriteSummaryPart(p, items.Summary));
                });
            }

            Add("response.output_item.done", w =>
            {
                w.WriteNumber("output_index", 0);
                w.Object("item", i => items.WriteReasoning(i, done: true));
            });
        }

        Add("response.output_item.added", w =>
        {
            w.WriteNumber("output_index", items.MessageIndex);
            w.Object("item", i => items.WriteMessage(i, "in_progress", text: null));
        });
        Add("response.content_part.added", w =>
        {
            items.WritePosition(w);
            w.Object("part", p => Items.WritePart(p, ""));
        });
        foreach (var delta in call.Deltas)
        {
            Add("response.output_text.delta", w =>
            {
                items.WritePosition(w);
                w.WriteString("delta", delta);
                w.EmptyArray("logprobs");
                if (call.IncludeObfuscation)
                {
                    w.WriteString("obfuscation", UpstreamIds.Obfuscation());
                }
            });
        }

        Add("response.output_text.done", w =>
        {
            items.WritePosition(w);
            w.WriteString("text", call.Text);
            w.EmptyArray("logprobs");
        });
        Add("response.content_part.done", w =>
        {
            items.WritePosition(w);
            w.Object("part", p => Items.WritePart(p, call.Text));
        });
        Add("response.output_item.done", w =>
        {
            w.WriteNumber("output_index", items.MessageIndex);
            w.Object("item", i => items.WriteMessage(i, "completed", call.Text));
        });
        for (var k = 0; k < call.ToolCalls.Count; k++)
        {
            var index = items.MessageIndex + 1 + k;
            var tool = call.ToolCalls[k];
            var itemId = items.FunctionCallIds[k];
            Add("response.output_item.added", w =>
            {
                w.WriteNumber("output_index", index);
                w.Object("item", i => Items.WriteFunctionCall(i, itemId, tool, done: false));
            });
            foreach (var piece in tool.Pieces)
            {
                Add("response.function_call_arguments.delta", w =>
                {
                    w.WriteString("item_id", itemId);
                    w.WriteNumber("output_index", index);
                    w.WriteString("delta", piece);
                    if (call.IncludeObfuscation)
                    {
                        w.WriteString("obfuscation", UpstreamIds.Obfuscation());
                    }
                });
            }

            Add("response.function_call_arguments.done", w =>
            {
                w.WriteString("item_id", itemId);
                w.WriteNumber("output_index", index);
                w.WriteString("arguments", tool.Arguments);
            });
            Add("response.output_item.done", w =>
            {
                w.WriteNumber("output_index", index);
                w.Object("item", i => Items.WriteFunctionCall(i, itemId, tool, done: true));
            });
        }
        Add("response.completed", w => w.Object("response", r =>
            Response(r, call, "completed", o => items.WriteOutput(o, call.Text), usage: true, failed: false)));
        return events;
    }

    /// <summary>An <c>error</c> event nested as in the recorded stream, then <c>response.failed</c>.</summary>
    public IReadOnlyList<SseEvent> ErrorEvents(SimulatedCall call, int eventsSent) =>
    [
        new("error", Json.Object(w =>
        {
            w.WriteString("type", "error");
            w.WriteNumber("sequence_number", eventsSent);
            w.Object("error", e =>
            {
                e.WriteString("type", "server_error");
                e.WriteString("code", "server_error");
                e.WriteString("message", FailedMessage);
                e.WriteNull("param");
            });
        })),
        new("response.failed", Json.Object(w =>
        {
            w.WriteString("type", "response.failed");
            w.WriteNumber("sequence_number", eventsSent + 1);
            w.Object("response", r => Response(r, call, "failed", _ => { }, usage: false, failed: true));
        })),
    ];

    public ServedUsage Reported(SimulatedCall call) => new(
        call.Tokens.Input,
        call.Tokens.BilledOutput,
        call.Tokens.CacheRead,
        CacheWrite5mTokens: 0,
        CacheWrite1hTokens: 0,
        call.Tokens.Reasoning);

    private static void Response(
        Utf8JsonWriter r, SimulatedCall call, string status, Action<Utf8JsonWriter> output, bool usage, bool failed)
    {
        r.WriteString("id", call.Id);
        r.WriteString("object", "response");
        r.WriteNumber("created_at", call.CreatedUnixSeconds);
        r.WriteString("status", status);
        r.WriteBoolean("background", false);
        if (failed)
        {
            r.Object("error", e =>
            {
                e.WriteString("code", "server_error");
                e.WriteString("message", FailedMessage);
            });
        }
        else
        {
            r.WriteNull("error");
        }

        r.WriteNull("incomplete_details");
        r.WriteNull("instructions");
        r.NumberOrNull("max_output_tokens", call.MaxOutputTokens);
        r.WriteNull("max_tool_calls");
        r.WriteString("model", call.Model);
        r.WriteStartArray("output");
        output(r);
        r.WriteEndArray();
        r.WriteBoolean("parallel_tool_calls", true);
        r.WriteNull("previous_response_id");
        r.WriteNull("prompt_cache_key");
        r.Object("reasoning", e =>
        {
            e.WriteNull("effort");
            e.WriteNull("summary");
        });
        r.WriteNull("safety_identifier");
        r.WriteString("service_tier", status == "completed" ? "default" : "auto");
        r.WriteBoolean("store", true);
        r.WritePropertyName("temperature");
        r.WriteRawValue("1.0");
        r.Object("text", t =>
        {
            t.Object("format", f => f.WriteString("type", "text"));
            t.WriteString("verbosity", "medium");
        });
        r.WriteString("tool_choice", "auto");
        r.EmptyArray("tools");
        r.WriteNumber("top_logprobs", 0);
        r.WritePropertyName("top_p");
        r.WriteRawValue("1.0");
        r.WriteString("truncation", "disabled");
        if (usage)
        {
            var tokens = call.Tokens;
            var input = tokens.Input + tokens.CacheRead;
            r.Object("usage", u =>
            {
                u.WriteNumber("input_tokens", input);
                u.Object("input_tokens_details", d => d.WriteNumber("cached_tokens", tokens.CacheRead));
                u.WriteNumber("output_tokens", tokens.BilledOutput);
                u.Object("output_tokens_details", d => d.WriteNumber("reasoning_tokens", tokens.Reasoning));
                u.WriteNumber("total_tokens", input + tokens.BilledOutput);
            });
        }
        else
        {
            r.WriteNull("usage");
        }

        r.WriteNull("user");
        r.EmptyObject("metadata");
    }

    /// <summary>The output items of one answer: an optional reasoning item, then the message.</summary>
    private sealed record Items(string? ReasoningId, string MessageId, IReadOnlyList<string> FunctionCallIds, IReadOnlyList<SimulatedToolCall> Calls, string Summary)
    {
        public static Items Of(SimulatedCall call) => new(
            call.Tokens.Reasoning > 0 ? UpstreamIds.OpenAiObject("rs_") : null,
            UpstreamIds.OpenAiObject("msg_"),
            [.. call.ToolCalls.Select(_ => UpstreamIds.OpenAiObject("fc_"))],
            call.ToolCalls,
            string.Concat(call.ThinkingDeltas));

        public void WriteSummaryPosition(Utf8JsonWriter w)
        {
            w.WriteString("item_id", ReasoningId);
            w.WriteNumber("output_index", 0);
            w.WriteNumber("summary_index", 0);
        }

        public static void WriteSummaryPart(Utf8JsonWriter p, string text)
        {
            p.WriteString("type", "summary_text");
            p.WriteString("text", text);
        }

        public static void WriteFunctionCall(Utf8JsonWriter i, string id, SimulatedToolCall tool, bool done)
        {
            i.WriteString("id", id);
            i.WriteString("type", "function_call");
            i.WriteString("status", done ? "completed" : "in_progress");
            i.WriteString("arguments", done ? tool.Arguments : "");
            i.WriteString("call_id", tool.Id);
            i.WriteString("name", tool.Name);
        }

        public int MessageIndex => ReasoningId is null ? 0 : 1;

        public void WritePosition(Utf8JsonWriter w)
        {
            w.WriteString("item_id", MessageId);
            w.WriteNumber("output_index", MessageIndex);
            w.WriteNumber("content_index", 0);
        }

        public void WriteReasoning(Utf8JsonWriter i, bool done)
        {
            i.WriteString("id", ReasoningId);
            i.WriteString("type", "reasoning");
            i.WriteStartArray("summary");
            if (done && Summary.Length > 0)
            {
                i.WriteStartObject();
                WriteSummaryPart(i, Summary);
                i.WriteEndObject();
            }

            i.WriteEndArray();
        }

        public void WriteMessage(Utf8JsonWriter i, string status, string? text)
        {
            i.WriteString("id", MessageId);
            i.WriteString("type", "message");
            i.WriteString("status", status);
            i.WriteStartArray("content");
            if (text is not null)
            {
                i.WriteStartObject();
                WritePart(i, text);
                i.WriteEndObject();
            }

            i.WriteEndArray();
            i.WriteString("role", "assistant");
        }

        public void WriteOutput(Utf8JsonWriter o, string text)
        {
            if (ReasoningId is not null)
            {
                o.WriteStartObject();
                WriteReasoning(o, done: true);
                o.WriteEndObject();
            }

            o.WriteStartObject();
            WriteMessage(o, "completed", text);
            o.WriteEndObject();
            for (var k = 0; k < Calls.Count; k++)
            {
                o.WriteStartObject();
                WriteFunctionCall(o, FunctionCallIds[k], Calls[k], done: true);
                o.WriteEndObject();
            }
        }

        public static void WritePart(Utf8JsonWriter p, string text)
        {
            p.WriteString("type", "output_text");
            p.EmptyArray("annotations");
            p.EmptyArray("logprobs");
            p.WriteString("text", text);
        }
    }
}
