using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>One request as the upstream received it.</summary>
public sealed record CapturedRequest(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A tiny upstream that records every request body byte for byte and answers with a fixed, small
/// non-streamed Anthropic or OpenAI answer (by path), so tests can see exactly what Relay sent.
/// </summary>
public sealed class CapturingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CapturingUpstream(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<CapturedRequest> Requests { get; } = new();

    public static async Task<CapturingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        CapturingUpstream? self = null;
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            self!.Requests.Enqueue(new CapturedRequest(
                context.Request.Path.Value ?? "",
                body.ToArray(),
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
            if (context.Request.Path.Value!.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                await WriteChatStreamCutAfterUsageAsync(context);
                return;
            }
            context.Response.ContentType = "application/json";
            // A request that offers web search is answered as if the model searched twice.
            var searched = Encoding.UTF8.GetString(body.ToArray()).Contains("\"web_search", StringComparison.Ordinal);
            var answer = context.Request.Path.Value!.EndsWith("/messages", StringComparison.Ordinal)
                ? searched ? AnthropicAnswerWithSearches : AnthropicAnswer
                : searched ? ResponsesAnswerWithSearches : ResponsesAnswer;
            await context.Response.WriteAsync(answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new CapturingUpstream(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    /// <summary>
    /// A chat stream that delivers its whole answer and the final usage chunk, then breaks before
    /// <c>data: [DONE]</c>: prompt 100 (20 of them cached), completion 7 (2 of them reasoning).
    /// </summary>
    public const string ChatStreamBeforeCut =
        "data: {\"id\":\"chatcmpl-cut\",\"object\":\"chat.completion.chunk\",\"created\":1764200000,\"model\":\"gpt-5.2-codex\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-cut\",\"object\":\"chat.completion.chunk\",\"created\":1764200000,\"model\":\"gpt-5.2-codex\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: {\"id\":\"chatcmpl-cut\",\"object\":\"chat.completion.chunk\",\"created\":1764200000,\"model\":\"gpt-5.2-codex\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":7,\"total_tokens\":107,\"prompt_tokens_details\":{\"cached_tokens\":20},\"completion_tokens_details\":{\"reasoning_tokens\":2}}}\n\n";

    private static async Task WriteChatStreamCutAfterUsageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(ChatStreamBeforeCut);
        await context.Response.Body.FlushAsync();
        // Kestrel sends what was flushed, then drops the connection without ending the body.
        throw new IOException("cut after the usage chunk, before [DONE]");
    }

    public const string AnthropicAnswer =
        """{"id":"msg_capture","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}""";

    /// <summary><see cref="AnthropicAnswer"/> after two web searches (Anthropic reports them in <c>usage.server_tool_use</c>).</summary>
    public const string AnthropicAnswerWithSearches =
        """{"id":"msg_capture_search","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":2}}}""";

    /// <summary><see cref="ResponsesAnswer"/> after two web searches (OpenAI reports each as a <c>web_search_call</c> output item).</summary>
    public const string ResponsesAnswerWithSearches =
        """{"id":"resp_capture_search","object":"response","created_at":1764200000,"status":"completed","model":"gpt-5.2-codex","output":[{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"relay"}},{"type":"web_search_call","id":"ws_2","status":"completed","action":{"type":"search","query":"relay pricing"}},{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"I looked up \"web_search_call\" for you","annotations":[]}]}],"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":105}}""";

    public const string ResponsesAnswer =
        """{"id":"resp_capture","object":"response","created_at":1764200000,"status":"completed","model":"gpt-5.2-codex","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"ok","annotations":[]}]}],"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":105}}""";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
