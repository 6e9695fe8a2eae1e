using System.Text.Json;

namespace Relay.EdgeApi.Errors;

/// <summary>
/// Writes refusals in the shape and status of the client's protocol (see /work/shared/wire/*/error-shapes.json):
/// Anthropic <c>{"type":"error","error":{"type","message"},"request_id"}</c>, OpenAI
/// <c>{"error":{"message","type","param","code"}}</c> with all four keys present.
/// </summary>
public static class ErrorBodies
{
    public static int StatusOf(RefusalKind kind, ErrorDialect dialect) => kind switch
    {
        RefusalKind.InvalidRequest => 400,
        RefusalKind.Unauthenticated => 401,
        RefusalKind.InsufficientBalance => 402,
        RefusalKind.DeviceLimit or RefusalKind.AccountDisabled => 403,
        RefusalKind.ModelNotFound or RefusalKind.NotFound => 404,
        RefusalKind.TooLarge => 413,
        RefusalKind.RateLimited => 429,
        RefusalKind.UpstreamFailed => 502,
        // Anthropic's clients know 529 as "overloaded"; OpenAI's know 503.
        RefusalKind.UpstreamUnavailable => dialect == ErrorDialect.Anthropic ? 529 : 503,
        _ => 500,
    };

    public static byte[] Body(Refusal refusal, ErrorDialect dialect, string? requestId) => dialect == ErrorDialect.Anthropic
        ? JsonSerializer.SerializeToUtf8Bytes(new AnthropicError(new AnthropicErrorDetail(AnthropicType(refusal.Kind), refusal.Message), requestId), ErrorJsonContext.Default.AnthropicError)
        : JsonSerializer.SerializeToUtf8Bytes(new OpenAIError(OpenAIDetail(refusal)), ErrorJsonContext.Default.OpenAIError);

    public static async Task WriteAsync(HttpContext context, Refusal refusal, ErrorDialect dialect, string? requestId)
    {
        var response = context.Response;
        response.StatusCode = StatusOf(refusal.Kind, dialect);
        response.ContentType = "application/json";
        if (dialect == ErrorDialect.Anthropic && requestId is not null)
        {
            response.Headers["request-id"] = requestId;
        }
        if (refusal.RetryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1L, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var body = Body(refusal, dialect, requestId);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static string AnthropicType(RefusalKind kind) => kind switch
    {
        RefusalKind.InvalidRequest => "invalid_request_error",
        RefusalKind.Unauthenticated => "authentication_error",
        RefusalKind.InsufficientBalance => "billing_error",
        RefusalKind.DeviceLimit or RefusalKind.AccountDisabled => "permission_error",
        RefusalKind.ModelNotFound or RefusalKind.NotFound => "not_found_error",
        RefusalKind.TooLarge => "request_too_large",
        RefusalKind.RateLimited => "rate_limit_error",
        RefusalKind.UpstreamUnavailable => "overloaded_error",
        _ => "api_error",
    };

    private static OpenAIErrorDetail OpenAIDetail(Refusal refusal) => refusal.Kind switch
    {
        RefusalKind.InvalidRequest => new(refusal.Message, "invalid_request_error", refusal.Param, null),
        RefusalKind.Unauthenticated => new(refusal.Message, "invalid_request_error", null, "invalid_api_key"),
        RefusalKind.InsufficientBalance => new(refusal.Message, "insufficient_quota", null, "insufficient_quota"),
        RefusalKind.DeviceLimit => new(refusal.Message, "permission_error", null, "device_limit"),
        RefusalKind.AccountDisabled => new(refusal.Message, "permission_error", null, "account_disabled"),
        RefusalKind.ModelNotFound => new(refusal.Message, "invalid_request_error", "model", "model_not_found"),
        RefusalKind.NotFound => new(refusal.Message, "invalid_request_error", null, "not_found"),
        RefusalKind.TooLarge => new(refusal.Message, "invalid_request_error", null, "request_too_large"),
        RefusalKind.RateLimited => new(refusal.Message, "requests", null, "rate_limit_exceeded"),
        RefusalKind.UpstreamFailed => new(refusal.Message, "server_error", null, "upstream_error"),
        RefusalKind.UpstreamUnavailable => new(refusal.Message, "server_error", null, "upstream_unavailable"),
        _ => new(refusal.Message, "server_error", null, "internal_error"),
    };
}
