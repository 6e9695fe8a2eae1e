using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Relay.Simulator.Calls;
using Relay.Simulator.Providers;
using Relay.Simulator.Providers.Anthropic;
using Relay.Simulator.Providers.Glm;
using Relay.Simulator.Providers.OpenAi;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Hosting;

/// <summary>The simulator's routes: the providers' APIs and <c>/_sim/served</c>.</summary>
internal static class SimulatorApi
{
    private static readonly JsonSerializerOptions s_servedJson = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapSimulatorApi(this IEndpointRouteBuilder routes)
    {
        MapCall(routes, "/v1/messages", AnthropicMessagesDialect.Anthropic);
        MapCall(routes, "/v1/chat/completions", ChatCompletionsDialect.Instance);
        MapCall(routes, "/v1/responses", ResponsesDialect.Instance);
        MapCall(routes, "/api/paas/v4/chat/completions", GlmChatDialect.Instance);
        MapCall(routes, "/api/anthropic/v1/messages", AnthropicMessagesDialect.Glm);

        routes.MapPost("/v1/messages/count_tokens", CountTokensAsync);
        routes.MapPost("/api/anthropic/v1/messages/count_tokens", CountTokensAsync);
        routes.MapGet("/v1/models", ListModelsAsync);

        routes.MapGet("/_sim/served", (ServedCallLog log) => Results.Json(log.Snapshot(), s_servedJson));
        routes.MapDelete("/_sim/served", (ServedCallLog log) =>
        {
            log.Clear();
            return Results.NoContent();
        });
        return routes;
    }

    private static void MapCall(IEndpointRouteBuilder routes, string path, IProviderDialect dialect) =>
        routes.MapPost(path, (HttpContext http, CallHandler handler) => handler.HandleAsync(http, dialect));

    /// <summary><c>{"input_tokens": N}</c> with N by the same rule as a call's input tokens.</summary>
    private static async Task CountTokensAsync(HttpContext http, IOptionsMonitor<SimulatorOptions> options)
    {
        var dialect = AnthropicMessagesDialect.Anthropic;
        var requestId = dialect.StampResponse(http.Response);
        if (!KeyGate.Admits(http.Request, acceptsXApiKey: true, options.CurrentValue, out var presentedKey))
        {
            await WriteAsync(http, dialect.Unauthorized(presentedKey, requestId));
            return;
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var request = CallRequest.Parse(buffer.ToArray(), RequestShape.AnthropicMessages, out var problem, out var detail);
        if (request is null)
        {
            await WriteAsync(http, dialect.BadRequest(problem, detail, requestId));
            return;
        }

        var tokens = CallSettings.Number(http.Request.Headers, SimulatorHeaders.InputTokens)
            ?? CallSettings.InputTokensOf(request.BodyBytes);
        await WriteAsync(http, new Reply(200, Json.Object(w => w.WriteNumber("input_tokens", tokens))));
    }

    /// <summary>Anthropic's list when the caller speaks Anthropic (x-api-key or anthropic-version), else OpenAI's.</summary>
    private static async Task ListModelsAsync(HttpContext http, IOptionsMonitor<SimulatorOptions> options)
    {
        var anthropic = http.Request.Headers.ContainsKey("x-api-key") || http.Request.Headers.ContainsKey("anthropic-version");
        IProviderDialect dialect = anthropic ? AnthropicMessagesDialect.Anthropic : ChatCompletionsDialect.Instance;
        var requestId = dialect.StampResponse(http.Response);
        if (!KeyGate.Admits(http.Request, anthropic, options.CurrentValue, out var presentedKey))
        {
            await WriteAsync(http, dialect.Unauthorized(presentedKey, requestId));
            return;
        }

        var models = options.CurrentValue.ListedModels;
        var body = anthropic
            ? Json.Object(w =>
            {
                w.WriteStartArray("data");
                foreach (var model in models)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "model");
                    w.WriteString("id", model);
                    w.WriteString("display_name", model);
                    w.WriteString("created_at", "2025-01-01T00:00:00Z");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteBoolean("has_more", false);
                w.WriteString("first_id", models[0]);
                w.WriteString("last_id", models[^1]);
            })
            : Json.Object(w =>
            {
                w.WriteString("object", "list");
                w.WriteStartArray("data");
                foreach (var model in models)
                {
                    w.WriteStartObject();
                    w.WriteString("id", model);
                    w.WriteString("object", "model");
                    w.WriteNumber("created", 1735689600);
                    w.WriteString("owned_by", "system");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
        await WriteAsync(http, new Reply(200, body));
    }

    private static async Task WriteAsync(HttpContext http, Reply reply)
    {
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = reply.Body.Length;
        await http.Response.Body.WriteAsync(reply.Body, http.RequestAborted);
    }
}
