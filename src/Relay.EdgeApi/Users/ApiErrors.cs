using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Relay.EdgeApi.Users;

/// <summary>The body of every refusal of the user API, in OpenAI's error shape.</summary>
internal sealed record ApiError(ApiErrorDetail Error);

internal sealed record ApiErrorDetail(
    string Message,
    string Type,
    string Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? UnlocksAt = null);

/// <summary>The refusals the user API gives, one place for their status, type and code.</summary>
internal static class ApiErrors
{
    public static JsonHttpResult<ApiError> BadRequest(string code, string message) =>
        Of(StatusCodes.Status400BadRequest, "invalid_request_error", code, message);

    public static JsonHttpResult<ApiError> Unauthorized(string message) =>
        Of(StatusCodes.Status401Unauthorized, "authentication_error", "invalid_session", message);

    public static JsonHttpResult<ApiError> NotFound(string code, string message) =>
        Of(StatusCodes.Status404NotFound, "not_found_error", code, message);

    public static JsonHttpResult<ApiError> Conflict(string code, string message) =>
        Of(StatusCodes.Status409Conflict, "conflict_error", code, message);

    public static JsonHttpResult<ApiError> Of(int status, string type, string code, string message, DateTimeOffset? unlocksAt = null) =>
        TypedResults.Json(new ApiError(new ApiErrorDetail(message, type, code, unlocksAt)), statusCode: status);
}
