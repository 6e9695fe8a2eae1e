using System.Text.Json.Serialization;
using Relay.Accounts;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Errors;
using Relay.EdgeApi.Hosting;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Telemetry;
using Relay.Money;

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

    /// <summary>
    /// Answered by Relay itself with its tokenizer; never billed, never sent upstream. The tokenizer's work is the
    /// edge's cost, so the body has its own smaller limit, each account its own rate, and an account that could
    /// not make a call (disabled, or nothing available) gets the refusal its call would get.
    /// </summary>
    private static async Task CountTokensAsync(
        HttpContext context, CallerResolver callers, BodyBudget bodies, TokenCountLimit counts, IGrainFactory grains, IOptionsMonitor<RelayOptions> options)
    {
        const ErrorDialect dialect = ErrorDialect.Anthropic;
        var authentication = await callers.AuthenticateAsync(context);
        if (authentication.Caller is not { } caller)
        {
            await ErrorBodies.WriteAsync(context, authentication.Refusal!, dialect, null);
            return;
        }
        if (counts.Refuses(caller.AccountId) is { } wait)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(
                RefusalKind.RateLimited,
                $"Too many token counts for this account: at most {options.CurrentValue.Limits.CountTokensPerMinute} a minute.")
            { RetryAfter = wait }, dialect, null);
            return;
        }
        var account = await grains.GetGrain<IAccountGrain>(caller.AccountId).GetAsync();
        if (account.Disabled)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.AccountDisabled, "This Relay account is disabled. Contact support."), dialect, null);
            return;
        }
        if (account.Available <= Usd.Zero)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(
                RefusalKind.InsufficientBalance, "Your Relay balance is too low to make calls. Top up to continue."), dialect, null);
            return;
        }
        var limit = options.CurrentValue.Limits.MaxCountTokensBodyBytes;
        var (read, problem) = await RequestBodies.ReadAsync(context, limit, bodies);
        if (problem == BodyProblem.Busy)
        {
            await ServiceUnavailable.WriteAsync(context, dialect, "This Relay edge is receiving too many large requests right now. Try again in a moment.", null);
            return;
        }
        if (read is null)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.TooLarge, $"A token count's request body may be at most {limit} bytes."), dialect, null);
            return;
        }
        using var body = read;
        var inspection = RequestInspector.Inspect(WireProtocol.AnthropicMessages, body.Memory.Span);
        if (!inspection.IsValid)
        {
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.InvalidRequest, inspection.ProblemMessage ?? "The request body is not valid.", inspection.ProblemField), dialect, null);
            return;
        }
        var tokens = UsageEstimator.CountRequestTokens(body.Memory.Span);
        await TypedResults.Json(new TokenCount(tokens), RelayJsonContext.Default.TokenCount).ExecuteAsync(context);
    }

    /// <summary>Anthropic's list shape for Anthropic clients (they send anthropic-version or x-api-key), OpenAI's otherwise.</summary>
    private static async Task ListModelsAsync(HttpContext context, CallerResolver callers, ModelCatalog catalog)
    {
        var anthropic = context.Request.Headers.ContainsKey("anthropic-version") || context.Request.Headers.ContainsKey("x-api-key");
        var dialect = anthropic ? ErrorDialect.Anthropic : ErrorDialect.OpenAI;
        var authentication = await callers.AuthenticateAsync(context);
        if (authentication.Caller is null)
        {
            await ErrorBodies.WriteAsync(context, authentication.Refusal!, dialect, null);
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
