using System.Globalization;
using System.Text.Json;
using Orleans.Runtime.Messaging;
using Relay.EdgeApi.Errors;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// A call Relay cannot serve for a moment, through no fault of the call: the silo cluster does not answer (a
/// silo restarting, none reachable) or this edge is stopping. The answer is 503 with <c>Retry-After</c>, in the
/// client's protocol, so SDKs retry it, and a load balancer may send the retry to another edge.
/// </summary>
public static class ServiceUnavailable
{
    /// <summary>What the client is told to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True for the failures of a cluster that is restarting or out of reach: the message did not arrive or its
    /// answer did not come back in time. Anything else is a fault of Relay's, and stays a 500.
    /// </summary>
    public static bool IsClusterUnavailable(Exception exception) => exception switch
    {
        OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsClusterUnavailable),
        _ => false,
    };

    /// <summary>
    /// Answers 503 for any request that failed because the cluster did not answer before anything was written:
    /// the model list and token counting look up the key, the user and admin APIs read accounts (relayed calls
    /// handle it themselves). Anthropic's shape for Anthropic's endpoints and clients, OpenAI's for the rest,
    /// which is also the user and admin APIs' own error shape.
    /// </summary>
    public static IApplicationBuilder UseClusterUnavailableAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsClusterUnavailable(ex) && !context.Response.HasStarted)
        {
            var request = context.Request;
            var anthropic = request.Path.StartsWithSegments("/v1/messages")
                || request.Headers.ContainsKey("anthropic-version") || request.Headers.ContainsKey("x-api-key");
            await WriteAsync(context, anthropic ? ErrorDialect.Anthropic : ErrorDialect.OpenAI, ClusterUnavailableMessage, null);
        }
    });

    public const string ClusterUnavailableMessage =
        "Relay's account service did not answer (it may be restarting); nothing was sent upstream and you were not charged. Try again in a few seconds.";

    public static Task WriteAsync(HttpContext context, ErrorDialect dialect, string message, string? requestId)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (dialect == ErrorDialect.Anthropic && requestId is not null)
        {
            response.Headers["request-id"] = requestId;
        }
        // Anthropic's clients read overloaded_error as "temporary, retry"; OpenAI's retry any 5xx.
        var body = dialect == ErrorDialect.Anthropic
            ? JsonSerializer.SerializeToUtf8Bytes(new AnthropicError(new AnthropicErrorDetail("overloaded_error", message), requestId), ErrorJsonContext.Default.AnthropicError)
            : JsonSerializer.SerializeToUtf8Bytes(new OpenAIError(new OpenAIErrorDetail(message, "server_error", null, "service_unavailable")), ErrorJsonContext.Default.OpenAIError);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
