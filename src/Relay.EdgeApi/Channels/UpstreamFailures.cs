using System.Net;
using Polly;
using Polly.CircuitBreaker;

namespace Relay.EdgeApi.Channels;

/// <summary>The upstream sent nothing within the idle timeout.</summary>
/// <param name="retryable">False when the upstream may still be working on the call (a non-streamed answer), so
/// another attempt could be billed twice upstream.</param>
public sealed class UpstreamIdleTimeoutException(TimeSpan idle, bool retryable = true) : Exception($"The upstream sent nothing for {idle.TotalSeconds:0} s.")
{
    public bool Retryable => retryable;
}

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
    public static bool IsRetryable(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        UpstreamIdleTimeoutException timeout => timeout.Retryable,
        BrokenCircuitException => true,
        _ => IsTransient(outcome),
    };

    public static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;
}
