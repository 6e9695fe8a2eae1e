using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Relay.EdgeApi.Users;

/// <summary>
/// Reads a request's JSON body itself instead of leaving it to parameter binding, so a malformed body is
/// refused in the API's error shape naming the field, like every other refusal.
/// </summary>
internal static class JsonBodies
{
    public static async Task<(T? Body, JsonHttpResult<ApiError>? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, ApiErrors.BadRequest("invalid_body", "Send a JSON object with 'Content-Type: application/json'."));
        }
        try
        {
            var body = await request.ReadFromJsonAsync<T>(request.HttpContext.RequestAborted);
            return body is null ? (null, ApiErrors.BadRequest("invalid_body", "The body must be a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            var field = e.Path?.TrimStart('$', '.');
            return (null, ApiErrors.BadRequest("invalid_body", string.IsNullOrEmpty(field)
                ? "The body is not valid JSON."
                : $"'{field}' has a value of the wrong type or out of range."));
        }
    }
}
