using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Relay.EdgeApi.Errors;

/// <summary>
/// What the client is told when the upstream refused a call: the upstream's status and error type, in the client's
/// protocol, with Relay's own message. A provider's message describes the account it was called with, the operator's
/// (its organization and project ids, its rate limits and quota), so it is not passed on, with one exception: a 400,
/// 404, 413 or 422 says what is wrong with the request itself ("tools.0.input_schema: ..."), which the person needs to
/// fix it, so its message is passed on with anything that looks like an account, project, key or email replaced.
/// </summary>
public static partial class UpstreamErrorBodies
{
    /// <summary>At most this much of an error body is read; error bodies are small.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private const int MaxDetailLength = 1000;

    /// <summary>The body to send for an upstream error of <paramref name="status"/> whose body was <paramref name="upstreamBody"/>.</summary>
    public static byte[] Rewrite(int status, ReadOnlySpan<byte> upstreamBody, ErrorDialect dialect, string? requestId)
    {
        var upstream = Read(upstreamBody);
        var message = MessageFor(status, upstream);
        if (dialect == ErrorDialect.Anthropic)
        {
            var type = upstream.AnthropicType ?? AnthropicTypeFor(status);
            return JsonSerializer.SerializeToUtf8Bytes(new AnthropicError(new AnthropicErrorDetail(type, message), requestId), ErrorJsonContext.Default.AnthropicError);
        }
        var openAIType = upstream.OpenAIType ?? OpenAITypeFor(status);
        var code = upstream.OpenAICode ?? (status == 429 ? "rate_limit_exceeded" : null);
        return JsonSerializer.SerializeToUtf8Bytes(new OpenAIError(new OpenAIErrorDetail(message, openAIType, upstream.Param, code)), ErrorJsonContext.Default.OpenAIError);
    }

    /// <summary>Replaces organization, project and user ids, keys and emails in a provider's message.</summary>
    public static string Scrub(string message)
    {
        var scrubbed = Identifiers().Replace(message, "[redacted]");
        scrubbed = NamedAccount().Replace(scrubbed, match => match.Groups["kind"].Value + " [redacted]");
        return scrubbed.Length <= MaxDetailLength ? scrubbed : scrubbed[..MaxDetailLength] + "...";
    }

    private static string MessageFor(int status, UpstreamError upstream)
    {
        var reason = upstream.AnthropicType ?? upstream.OpenAICode ?? upstream.OpenAIType ?? upstream.GlmCode;
        var said = reason is null ? "" : $" ({reason})";
        if (status is 400 or 404 or 413 or 422)
        {
            var detail = upstream.Message is { Length: > 0 } text ? ": " + Scrub(text) : ".";
            return $"The upstream provider refused the request{said}{detail} You were not charged.";
        }
        if (status == 429 && IsQuota(upstream))
        {
            return "Relay's account at the upstream provider is out of credit for now; the operator has been alerted. You were not charged; try again later.";
        }
        return status switch
        {
            429 => $"The upstream provider is limiting Relay's rate right now{said}. You were not charged; retry shortly.",
            529 or 503 => $"The upstream provider is overloaded{said}. You were not charged; retry shortly.",
            >= 500 => $"The upstream provider failed with status {status.ToString(CultureInfo.InvariantCulture)}{said}. You were not charged; retry.",
            _ => $"The upstream provider refused the call with status {status.ToString(CultureInfo.InvariantCulture)}{said}. You were not charged.",
        };
    }

    private static bool IsQuota(UpstreamError upstream) =>
        upstream.OpenAICode == "insufficient_quota" || upstream.OpenAIType == "insufficient_quota"
        || upstream.AnthropicType == "billing_error" || upstream.GlmCode == "1113";

    private static string AnthropicTypeFor(int status) => status switch
    {
        400 or 422 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        504 => "timeout_error",
        _ => "api_error",
    };

    private static string OpenAITypeFor(int status) => status switch
    {
        >= 400 and < 500 and not 429 => "invalid_request_error",
        429 => "requests",
        _ => "server_error",
    };

    /// <summary>The error's fields in whichever provider shape the body has; all null for a body that is not one.</summary>
    private static UpstreamError Read(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return UpstreamError.None;
            }
            var anthropic = document.RootElement.TryGetProperty("type", out var root) && root.ValueKind == JsonValueKind.String && root.GetString() == "error";
            var type = Text(error, "type");
            var code = error.TryGetProperty("code", out var codeValue) ? codeValue.ValueKind switch
            {
                JsonValueKind.String => codeValue.GetString(),
                JsonValueKind.Number => codeValue.GetRawText(),
                _ => null,
            } : null;
            // Zhipu's codes are strings of digits ("1113"); OpenAI's are words.
            var glm = code is { Length: > 0 } && code.All(char.IsAsciiDigit);
            return new UpstreamError(
                anthropic ? Safe(type) : null,
                anthropic || glm ? null : Safe(type),
                anthropic || glm ? null : Safe(code),
                glm ? code : null,
                anthropic ? null : Safe(Text(error, "param")),
                Text(error, "message"));
        }
        catch (JsonException)
        {
            return UpstreamError.None;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Error types, codes and params are short identifiers; anything else is not passed on.</summary>
    private static string? Safe(string? identifier) =>
        identifier is { Length: > 0 and <= 100 } && SafeIdentifier().IsMatch(identifier) ? identifier : null;

    private sealed record UpstreamError(string? AnthropicType, string? OpenAIType, string? OpenAICode, string? GlmCode, string? Param, string? Message)
    {
        public static UpstreamError None { get; } = new(null, null, null, null, null, null);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\[\]\-]+$")]
    private static partial Regex SafeIdentifier();

    // Organization, project and user ids, API keys of any provider, emails.
    [GeneratedRegex(@"\b(org|proj|user|wrkspc|workspace|acct)[-_][A-Za-z0-9_\-]{6,}|\bsk-[A-Za-z0-9_\-]{8,}|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex Identifiers();

    // "in organization 'acme'", "for project abc-123": a quoted name, or one with a digit, '-' or '_' (not a plain word).
    [GeneratedRegex(@"(?<kind>\b(?:organization|organisation|project|workspace|account))\s+(?:[`'""][^`'""\s]{1,64}[`'""]|[A-Za-z0-9_\-]*[0-9_\-][A-Za-z0-9_\-]*)", RegexOptions.IgnoreCase)]
    private static partial Regex NamedAccount();
}
