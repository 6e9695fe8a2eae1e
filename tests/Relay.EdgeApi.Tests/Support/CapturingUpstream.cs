using System.Collections.Concurrent;
using System.Net;
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
            context.Response.ContentType = "application/json";
            var answer = context.Request.Path.Value!.EndsWith("/messages", StringComparison.Ordinal) ? AnthropicAnswer : ResponsesAnswer;
            await context.Response.WriteAsync(answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new CapturingUpstream(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    public const string AnthropicAnswer =
        """{"id":"msg_capture","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}""";

    public const string ResponsesAnswer =
        """{"id":"resp_capture","object":"response","created_at":1764200000,"status":"completed","model":"gpt-5.2-codex","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"ok","annotations":[]}]}],"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":105}}""";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
