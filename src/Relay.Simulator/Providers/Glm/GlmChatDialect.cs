using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers.Glm;

/// <summary>
/// Zhipu GLM's OpenAI-style chat (<c>/api/paas/v4/chat/completions</c>): chunks without <c>object</c>, the last one
/// carrying both <c>finish_reason</c> and <c>usage</c> whatever <c>stream_options</c> says, then <c>[DONE]</c>.
/// Errors are <c>{"error":{"code":"NNNN","message":"..."}}</c> with a string business code.
/// </summary>
internal sealed class GlmChatDialect : IProviderDialect
{
    public static GlmChatDialect Instance { get; } = new();

    public RequestShape Shape => RequestShape.ChatCompletions;

    public bool AcceptsXApiKey => false;

    public string NewId(DateTimeOffset at) => UpstreamIds.Glm(at);

    public string StampResponse(HttpResponse response) => "";

    public Reply Unauthorized(string? presentedKey, string requestId) => presentedKey is null
        ? Error(401, "1001", "Header 中未收到 Authentication 参数，无法进行身份验证")
        : Error(401, "401", "令牌已过期或验证不正确！");

    public Reply BadRequest(CallRequestProblem problem, string detail, string requestId) => problem switch
    {
        CallRequestProblem.MissingModel => Error(400, "1214", "model 参数非法。请检查文档"),
        CallRequestProblem.UnknownSetting => Error(400, "1214", detail),
        CallRequestProblem.InvalidImage => Error(400, "1210", $"图片输入格式/解析错误: {detail}"),
        _ => Error(400, "1210", "API 调用参数有误，请检查文档"),
    };

    public Reply FaultStatus(int status, string requestId) => status switch
    {
        429 => Error(429, "1302", "您当前使用该 API 的并发数过高，请降低并发，或联系客服增加限额"),
        503 or 529 => Error(status, "1312", "该模型当前访问量过大，请您稍后再试"),
        _ => Error(status, "500", "内部错误"),
    };

    public Reply OverloadedAnswer(string requestId) => FaultStatus(500, requestId);

    public byte[] Answer(SimulatedCall call) => Json.Object(w =>
    {
        w.WriteString("id", call.Id);
        w.WriteString("request_id", call.Id);
        w.WriteNumber("created", call.CreatedUnixSeconds);
        w.WriteString("model", call.Model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.Object("message", m =>
        {
            m.WriteString("role", "assistant");
            m.WriteString("content", call.Text);
        });
        w.WriteString("finish_reason", "stop");
        w.WriteEndObject();
        w.WriteEndArray();
        w.Object("usage", u => Usage(u, call.Tokens));
    });

    public IReadOnlyList<SseEvent> Stream(SimulatedCall call)
    {
        var events = new List<SseEvent>();
        foreach (var delta in call.Deltas)
        {
            events.Add(new(null, Json.Object(w =>
            {
                Head(w, call);
                w.WriteStartArray("choices");
                w.WriteStartObject();
                w.WriteNumber("index", 0);
                w.Object("delta", d => d.WriteString("content", delta));
                w.WriteNull("finish_reason");
                w.WriteEndObject();
                w.WriteEndArray();
            })));
        }

        events.Add(new(null, Json.Object(w =>
        {
            Head(w, call);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteString("finish_reason", "stop");
            w.Object("delta", d =>
            {
                d.WriteString("role", "assistant");
                d.WriteString("content", "");
            });
            w.WriteEndObject();
            w.WriteEndArray();
            w.Object("usage", u => Usage(u, call.Tokens));
        })));
        events.Add(SseEvent.Done);
        return events;
    }

    /// <summary>GLM's mid-stream error frame is undocumented; this sends its error body as a <c>data:</c> line.</summary>
    public IReadOnlyList<SseEvent> ErrorEvents(SimulatedCall call, int eventsSent) =>
        [new(null, Body("500", "内部错误"))];

    public ServedUsage Reported(SimulatedCall call) => new(
        call.Tokens.Input,
        call.Tokens.BilledOutput,
        call.Tokens.CacheRead,
        CacheWrite5mTokens: 0,
        CacheWrite1hTokens: 0,
        ReasoningTokens: 0);

    /// <summary>As OpenAI: prompt_tokens includes cached tokens, completion_tokens includes reasoning.</summary>
    private static void Usage(Utf8JsonWriter u, TokenCounts tokens)
    {
        var prompt = tokens.Input + tokens.CacheRead;
        u.WriteNumber("prompt_tokens", prompt);
        u.WriteNumber("completion_tokens", tokens.BilledOutput);
        u.WriteNumber("total_tokens", prompt + tokens.BilledOutput);
        u.Object("prompt_tokens_details", p => p.WriteNumber("cached_tokens", tokens.CacheRead));
    }

    private static void Head(Utf8JsonWriter w, SimulatedCall call)
    {
        w.WriteString("id", call.Id);
        w.WriteNumber("created", call.CreatedUnixSeconds);
        w.WriteString("model", call.Model);
    }

    private static byte[] Body(string code, string message) => Json.Object(w => w.Object("error", e =>
    {
        e.WriteString("code", code);
        e.WriteString("message", message);
    }));

    private static Reply Error(int status, string code, string message) => new(status, Body(code, message));
}
