using System.Text.Json.Serialization;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Errors;
using Relay.EdgeApi.Hosting;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Calls;

/// <summary>The provider-compatible API: Anthropic Messages, OpenAI Chat Completions and Responses, and the model list.</summary>
public static class RelayApi
{
    public static IEndpointRouteBuilder MapRelayApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/messages", (HttpContext context, CallRelay relay, ILogger<CallRelay> logger) => RelayAsync(context, relay, logger, WireProtocol.AnthropicMessages));
        v1.MapPost("/chat/completions", (HttpContext context, CallRelay relay, ILogger<CallRelay> logger) => RelayAsync(context, relay, logger, WireProtocol.OpenAIChat));
        v1.MapPost("/responses", (HttpContext context, CallRelay relay, ILogger<CallRelay> logger) => RelayAsync(context, relay, logger, WireProtocol.OpenAIResponses));
        v1.MapPost("/messages/count_tokens", CountTokensAsync);
        v1.MapGet("/models", ListModelsAsync);
        return app;
    }

    private static async Task RelayAsync(HttpContext context, CallRelay relay, ILogger<CallRelay> logger, WireProtocol protocol)
    {
        try
        {
            await relay.HandleAsync(context, protocol);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            Log.CallFailed(logger, ex, context.Response.Headers["x-relay-call-id"].ToString());
            var dialect = protocol == WireProtocol.AnthropicMessages ? ErrorDialect.Anthropic : ErrorDialect.OpenAI;
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.Internal, "Relay could not process the call; you were not charged. Try again."), dialect, null);
        }
    }

    /// <summary>Answered by Relay itself with its tokenizer; never billed, never sent upstream.</summary>
    private static async Task CountTokensAsync(HttpContext context, CallerResolver callers, IOptionsMonitor<RelayOptions> options)
    {
        const ErrorDialect dialect = ErrorDialect.Anthropic;
        var plainKey = CallerResolver.KeyFrom(context.Request);
        if (plainKey is null || await callers.ResolveAsync(plainKey) is null)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.Unauthenticated, "Invalid API key."), dialect, null);
            return;
        }
        var limit = options.CurrentValue.Limits.MaxRequestBodyBytes;
        if (await RequestBodies.ReadAsync(context, limit) is not { } body)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.TooLarge, $"The request body is larger than {limit} bytes."), dialect, null);
            return;
        }
        var inspection = RequestInspector.Inspect(WireProtocol.AnthropicMessages, body.Span);
        if (!inspection.IsValid)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.InvalidRequest, inspection.ProblemMessage ?? "The request body is not valid.", inspection.ProblemField), dialect, null);
            return;
        }
        var tokens = UsageEstimator.CountRequestTokens(body.Span);
        await TypedResults.Json(new TokenCount(tokens), RelayJsonContext.Default.TokenCount).ExecuteAsync(context);
    }

    /// <summary>Anthropic's list shape for Anthropic clients (they send anthropic-version or x-api-key), OpenAI's otherwise.</summary>
    private static async Task ListModelsAsync(HttpContext context, CallerResolver callers, ModelCatalog catalog)
    {
        var anthropic = context.Request.Headers.ContainsKey("anthropic-version") || context.Request.Headers.ContainsKey("x-api-key");
        var dialect = anthropic ? ErrorDialect.Anthropic : ErrorDialect.OpenAI;
        var plainKey = CallerResolver.KeyFrom(context.Request);
        if (plainKey is null || await callers.ResolveAsync(plainKey) is null)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.Unauthenticated, "Invalid API key."), dialect, null);
            return;
        }
        var models = catalog.Models;
        IResult result = anthropic
            ? TypedResults.Json(
                new AnthropicModelList(
                    models.Select(m => new AnthropicModel(m.Id, m.DisplayName, m.Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))).ToList(),
                    HasMore: false,
                    models.Count > 0 ? models[0].Id : null,
                    models.Count > 0 ? models[^1].Id : null),
                RelayJsonContext.Default.AnthropicModelList)
            : TypedResults.Json(
                new OpenAIModelList(models.Select(m => new OpenAIModel(m.Id, m.Created.ToUnixTimeSeconds(), m.Provider)).ToList()),
                RelayJsonContext.Default.OpenAIModelList);
        await result.ExecuteAsync(context);
    }
}

public sealed record TokenCount([property: JsonPropertyName("input_tokens")] long InputTokens);

public sealed record AnthropicModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("created_at")] string CreatedAt)
{
    [JsonPropertyName("type")]
    [JsonPropertyOrder(-1)]
    public string Type => "model";
}

public sealed record AnthropicModelList(
    [property: JsonPropertyName("data")] IReadOnlyList<AnthropicModel> Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("first_id")] string? FirstId,
    [property: JsonPropertyName("last_id")] string? LastId);

public sealed record OpenAIModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")]
    public string Kind => "model";
}

public sealed record OpenAIModelList([property: JsonPropertyName("data")] IReadOnlyList<OpenAIModel> Data)
{
    [JsonPropertyName("object")]
    [JsonPropertyOrder(-1)]
    public string Kind => "list";
}

[JsonSerializable(typeof(TokenCount))]
[JsonSerializable(typeof(AnthropicModelList))]
[JsonSerializable(typeof(OpenAIModelList))]
internal sealed partial class RelayJsonContext : JsonSerializerContext;
