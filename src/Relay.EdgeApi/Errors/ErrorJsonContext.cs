using System.Text.Json.Serialization;

namespace Relay.EdgeApi.Errors;

public sealed record AnthropicError(
    [property: JsonPropertyName("error")] AnthropicErrorDetail Error,
    [property: JsonPropertyName("request_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId)
{
    [JsonPropertyName("type")]
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

public sealed record AnthropicErrorDetail(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message);

public sealed record OpenAIError([property: JsonPropertyName("error")] OpenAIErrorDetail Error);

/// <summary>All four keys are always written (OpenAI's schema requires them; param and code may be null).</summary>
public sealed record OpenAIErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

[JsonSerializable(typeof(AnthropicError))]
[JsonSerializable(typeof(OpenAIError))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
