using Relay.Accounts;

namespace Relay.EdgeApi.Protocols;

/// <summary>What a meter has learnt about one upstream answer so far.</summary>
/// <param name="Usage">Null until the provider reported it. For Anthropic it is set by <c>message_start</c> (input and
/// cache, with a provisional output count) and completed by the cumulative <c>message_delta</c>; a stream cut
/// between the two leaves the provisional output count, which <see cref="UsageEstimator"/> can raise.</param>
/// <param name="Finished">Saw the protocol's terminal event: <c>message_stop</c>, <c>[DONE]</c>,
/// <c>response.completed</c>/<c>incomplete</c>/<c>failed</c> (or, for a whole body, the body parsed).</param>
/// <param name="UpstreamId">The provider's <c>msg_</c>/<c>chatcmpl-</c>/<c>resp_</c> id.</param>
/// <param name="UpstreamModel">The model the provider says answered.</param>
/// <param name="SawErrorEvent">An <c>event: error</c>, a chat chunk carrying <c>error</c>, <c>response.failed</c>, or an error body.</param>
/// <param name="OutputCharsSeen">Text, thinking, refusal and tool-argument characters (UTF-16) seen in the answer, for estimation.</param>
public sealed record MeteredCall(
    TokenUsage? Usage,
    bool Finished,
    string? UpstreamId,
    string? UpstreamModel,
    bool SawErrorEvent,
    long OutputCharsSeen)
{
    /// <summary>
    /// True once <see cref="Usage"/> is the provider's complete count: Anthropic's <c>message_delta</c> usage, the
    /// chat usage chunk, Responses' terminal usage, a whole body's usage. False while it is provisional (Anthropic
    /// after <c>message_start</c> only) or absent; then <see cref="UsageEstimator"/> fills the gaps.
    /// </summary>
    public bool UsageFinal { get; init; }

    /// <summary>Anthropic's <c>server_tool_use.web_search_requests</c>: searches are priced per request, not per token.</summary>
    public long WebSearchRequests { get; init; }
}
