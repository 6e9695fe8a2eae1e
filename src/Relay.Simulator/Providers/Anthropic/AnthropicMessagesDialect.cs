using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers.Anthropic;

/// <summary>
/// Anthropic Messages (<c>/v1/messages</c>), and Zhipu's Anthropic-style copy of it, whose error bodies carry
/// Zhipu's business <c>code</c> inside the Anthropic envelope and no <c>request_id</c>.
/// </summary>
internal sealed class AnthropicMessagesDialect(bool glm) : IProviderDialect
{
    public static AnthropicMessagesDialect Anthropic { get; } = new(glm: false);

    public static AnthropicMessagesDialect Glm { get; } = new(glm: true);

    public RequestShape Shape => RequestShape.AnthropicMessages;

    public bool AcceptsXApiKey => true;

    public string NewId(DateTimeOffset at) => UpstreamIds.Anthropic("msg_");

    public string StampResponse(HttpResponse response)
    {
        var requestId = UpstreamIds.Anthropic("req_");
        response.Headers["request-id"] = requestId;
        return requestId;
    }

    public Reply Unauthorized(string? presentedKey, string requestId) => glm
        ? Error(401, "authentication_error", presentedKey is null ? "1001" : "401",
            presentedKey is null ? "Header 中未收到 Authentication 参数，无法进行身份验证" : "令牌已过期或验证不正确！", requestId)
        : Error(401, "authentication_error", null,
            presentedKey is null ? "x-api-key header is required" : "invalid x-api-key", requestId);

    public Reply BadRequest(CallRequestProblem problem, string detail, string requestId) => problem switch
    {
        CallRequestProblem.MissingModel => Error(400, "invalid_request_error", glm ? "1214" : null, $"{detail}: Field required", requestId),
        CallRequestProblem.UnknownSetting => Error(400, "invalid_request_error", glm ? "1214" : null, detail, requestId),
        CallRequestProblem.InvalidImage => Error(400, "invalid_request_error", glm ? "1210" : null, $"{detail}: not a valid image source (base64 with media_type and data, or url)", requestId),
        _ => Error(400, "invalid_request_error", glm ? "1210" : null, $"The request body is not valid JSON: {detail}", requestId),
    };

    public Reply FaultStatus(int status, string requestId) => status switch
    {
        429 => Error(429, "rate_limit_error", glm ? "1302" : null,
            "This request would exceed the rate limit for your organization. Please try again later.", requestId),
        529 => Error(529, "overloaded_error", glm ? "1312" : null, "Overloaded", requestId),
        503 => Error(503, "api_error", glm ? "1312" : null, "Service Unavailable", requestId),
        _ => Error(status, "api_error", glm ? "500" : null, "Internal server error", requestId),
    };

    public Reply OverloadedAnswer(string requestId) => FaultStatus(529, requestId);

    public byte[] Answer(SimulatedCall call) => Json.Object(w =>
    {
        w.WriteString("id", call.Id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (call.ThinkingDeltas.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "thinking");
            w.WriteString("thinking", string.Concat(call.ThinkingDeltas));
            w.WriteString("signature", call.ThinkingSignature);
            w.WriteEndObject();
        }
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", call.Text);
        w.WriteEndObject();
        foreach (var tool in call.ToolCalls)
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_use");
            w.WriteString("id", tool.Id);
            w.WriteString("name", tool.Name);
            w.WritePropertyName("input");
            w.WriteRawValue(tool.Arguments);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("model", call.Model);
        w.WriteString("stop_reason", call.StopForTools);
        w.WriteNull("stop_sequence");
        w.Object("usage", u => StartUsage(u, call.Tokens, call.Tokens.BilledOutput));
    });

    public IReadOnlyList<SseEvent> Stream(SimulatedCall call)
    {
        var tokens = call.Tokens;
        List<SseEvent> events =
        [
            new("message_start", Json.Object(w =>
            {
                w.WriteString("type", "message_start");
                w.Object("message", m =>
                {
                    m.WriteString("id", call.Id);
                    m.WriteString("type", "message");
                    m.WriteString("role", "assistant");
                    m.WriteString("model", call.Model);
                    m.EmptyArray("content");
                    m.WriteNull("stop_reason");
                    m.WriteNull("stop_sequence");
                    m.Object("usage", u => StartUsage(u, tokens, Math.Min(1, tokens.BilledOutput)));
                });
            })),
        ];
        var index = 0;
        if (call.ThinkingDeltas.Count > 0)
        {
            events.Add(BlockStart(index, b =>
            {
                b.WriteString("type", "thinking");
                b.WriteString("thinking", "");
                b.WriteString("signature", "");
            }));
            events.AddRange(call.ThinkingDeltas.Select(delta => Delta(index, "thinking_delta", "thinking", delta)));
            events.Add(Delta(index, "signature_delta", "signature", call.ThinkingSignature));
            events.Add(BlockStop(index++));
        }

        events.Add(BlockStart(index, b =>
        {
            b.WriteString("type", "text");
            b.WriteString("text", "");
        }));
        // Every documented stream writes ping with a space after the colon.
        events.Add(new("ping", """{"type": "ping"}"""u8.ToArray()));
        events.AddRange(call.Deltas.Select(delta => Delta(index, "text_delta", "text", delta)));
        events.Add(BlockStop(index++));
        foreach (var tool in call.ToolCalls)
        {
            events.Add(BlockStart(index, b =>
            {
                b.WriteString("type", "tool_use");
                b.WriteString("id", tool.Id);
                b.WriteString("name", tool.Name);
                b.EmptyObject("input");
            }));
            // As recorded: the first piece of a tool's input is empty.
            events.Add(Delta(index, "input_json_delta", "partial_json", ""));
            events.AddRange(tool.Pieces.Select(piece => Delta(index, "input_json_delta", "partial_json", piece)));
            events.Add(BlockStop(index++));
        }

        events.Add(new("message_delta", Json.Object(w =>
        {
            w.WriteString("type", "message_delta");
            w.Object("delta", d =>
            {
                d.WriteString("stop_reason", call.StopForTools);
                d.WriteNull("stop_sequence");
            });
            // Cumulative, as the documented web-search stream shows.
            w.Object("usage", u =>
            {
                u.WriteNumber("input_tokens", tokens.Input);
                u.WriteNumber("cache_creation_input_tokens", tokens.CacheWrite);
                u.WriteNumber("cache_read_input_tokens", tokens.CacheRead);
                u.WriteNumber("output_tokens", tokens.BilledOutput);
            });
        })));
        events.Add(new("message_stop", """{"type":"message_stop"}"""u8.ToArray()));
        return events;
    }

    private static SseEvent BlockStart(int index, Action<Utf8JsonWriter> block) => new("content_block_start", Json.Object(w =>
    {
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", index);
        w.Object("content_block", block);
    }));

    private static SseEvent Delta(int index, string type, string field, string value) => new("content_block_delta", Json.Object(w =>
    {
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.Object("delta", d =>
        {
            d.WriteString("type", type);
            d.WriteString(field, value);
        });
    }));

    private static SseEvent BlockStop(int index) => new("content_block_stop", Json.Object(w =>
    {
        w.WriteString("type", "content_block_stop");
        w.WriteNumber("index", index);
    }));

    public IReadOnlyList<SseEvent> ErrorEvents(SimulatedCall call, int eventsSent) =>
    [
        new("error", Json.Object(w =>
        {
            w.WriteString("type", "error");
            w.Object("error", e =>
            {
                e.WriteString("type", "overloaded_error");
                e.WriteString("message", "Overloaded");
            });
        })),
    ];

    public ServedUsage Reported(SimulatedCall call) => new(
        call.Tokens.Input,
        call.Tokens.BilledOutput,
        call.Tokens.CacheRead,
        call.Tokens.CacheWrite5m,
        call.Tokens.CacheWrite1h,
        ReasoningTokens: 0);

    private static void StartUsage(Utf8JsonWriter u, TokenCounts tokens, int outputTokens)
    {
        u.WriteNumber("input_tokens", tokens.Input);
        u.WriteNumber("cache_creation_input_tokens", tokens.CacheWrite);
        u.WriteNumber("cache_read_input_tokens", tokens.CacheRead);
        u.Object("cache_creation", c =>
        {
            c.WriteNumber("ephemeral_5m_input_tokens", tokens.CacheWrite5m);
            c.WriteNumber("ephemeral_1h_input_tokens", tokens.CacheWrite1h);
        });
        u.WriteNumber("output_tokens", outputTokens);
        u.WriteString("service_tier", "standard");
    }

    private Reply Error(int status, string type, string? glmCode, string message, string requestId) =>
        new(status, Json.Object(w =>
        {
            w.WriteString("type", "error");
            w.Object("error", e =>
            {
                e.WriteString("type", type);
                if (glm && glmCode is not null)
                {
                    e.WriteString("code", glmCode);
                }

                e.WriteString("message", message);
            });
            if (!glm)
            {
                w.WriteString("request_id", requestId);
            }
        }));
}
