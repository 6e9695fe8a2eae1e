using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Providers.OpenAi;

/// <summary>OpenAI's error body <c>{"error":{message,type,param,code}}</c>, shared by Chat Completions and Responses.</summary>
internal static class OpenAiErrors
{
    public const string ServerErrorMessage = "The server had an error while processing your request. Sorry about that!";

    public static string StampResponse(HttpResponse response)
    {
        var requestId = UpstreamIds.OpenAiRequest();
        response.Headers["x-request-id"] = requestId;
        return requestId;
    }

    public static Reply Unauthorized(string? presentedKey) => presentedKey is null
        ? Error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.", "invalid_request_error", null)
        : Error(401, $"Incorrect API key provided: {Masked(presentedKey)}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key");

    public static Reply BadRequest(CallRequestProblem problem, string detail) => problem switch
    {
        CallRequestProblem.UnknownSetting => Error(400, detail, "invalid_request_error", null),
        CallRequestProblem.MissingModel => Error(400, "you must provide a model parameter", "invalid_request_error", null),
        CallRequestProblem.InvalidImage => Error(400, $"Invalid image at '{detail}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...') or a valid URL.", "invalid_request_error", "invalid_image_url"),
        _ => Error(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)", "invalid_request_error", null),
    };

    public static Reply FaultStatus(int status) => status switch
    {
        429 => Error(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded"),
        503 or 529 => Error(status, "The engine is currently overloaded, please try again later.", "server_error", null),
        _ => Error(status, ServerErrorMessage, "server_error", null),
    };

    /// <summary>OpenAI shows a wrong key as its first 8 and last 4 characters around asterisks; an empty one as ''.</summary>
    public static string Masked(string key) => key.Length switch
    {
        0 => "''",
        <= 12 => new string('*', key.Length),
        _ => string.Concat(key.AsSpan(0, 8), new string('*', key.Length - 12), key.AsSpan(key.Length - 4)),
    };

    public static byte[] Body(string message, string type, string? code) => Json.Object(w => w.Object("error", e =>
    {
        e.WriteString("message", message);
        e.WriteString("type", type);
        e.WriteNull("param");
        e.StringOrNull("code", code);
    }));

    private static Reply Error(int status, string message, string type, string? code) => new(status, Body(message, type, code));
}
