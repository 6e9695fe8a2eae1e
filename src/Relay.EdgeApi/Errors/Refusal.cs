namespace Relay.EdgeApi.Errors;

/// <summary>Why Relay answers a call itself instead of relaying it.</summary>
public enum RefusalKind
{
    InvalidRequest,
    Unauthenticated,
    InsufficientBalance,
    DeviceLimit,
    AccountDisabled,
    ModelNotFound,
    NotFound,
    TooLarge,

    /// <summary>Too many requests from this caller or address for now; answered 429 with Retry-After.</summary>
    RateLimited,
    UpstreamFailed,
    UpstreamUnavailable,
    Internal,
}

/// <summary>A refusal with the message the person will read and the request field at fault, if any.</summary>
public sealed record Refusal(RefusalKind Kind, string Message, string? Param = null)
{
    /// <summary>When set, sent as <c>Retry-After</c> (whole seconds, rounded up) so clients wait that long before retrying.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The metric tag for the refusal.</summary>
    public string Reason => Kind switch
    {
        RefusalKind.InvalidRequest => "invalid_request",
        RefusalKind.Unauthenticated => "unauthenticated",
        RefusalKind.InsufficientBalance => "insufficient_balance",
        RefusalKind.DeviceLimit => "device_limit",
        RefusalKind.AccountDisabled => "account_disabled",
        RefusalKind.ModelNotFound => "model_not_found",
        RefusalKind.NotFound => "not_found",
        RefusalKind.TooLarge => "request_too_large",
        RefusalKind.RateLimited => "rate_limited",
        RefusalKind.UpstreamFailed => "upstream_failed",
        RefusalKind.UpstreamUnavailable => "upstream_unavailable",
        _ => "internal",
    };
}

/// <summary>The error dialect a client understands.</summary>
public enum ErrorDialect
{
    Anthropic,
    OpenAI,
}
