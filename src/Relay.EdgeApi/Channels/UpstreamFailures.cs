using System.Net;
using Polly;
using Polly.CircuitBreaker;

namespace Relay.EdgeApi.Channels;

/// <summary>The upstream sent nothing within the idle timeout.</summary>
public sealed class UpstreamIdleTimeoutException(TimeSpan idle) : Exception($"The upstream sent nothing for {idle.TotalSeconds:0} s.");

/// <summary>Which upstream outcomes are worth another attempt (on this or another channel).</summary>
public static class UpstreamFailures
{
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or UpstreamIdleTimeoutException } => true,
        { Result: { } response } => IsTransient(response.StatusCode),
        _ => false,
    };

    /// <summary>Worth trying elsewhere: transient failures and a channel whose circuit is open.</summary>
    public static bool IsRetryable(Outcome<HttpResponseMessage> outcome) =>
        IsTransient(outcome) || outcome.Exception is BrokenCircuitException;

    public static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;
}
