namespace Relay.EdgeApi.Protocols;

/// <summary>What Relay learns from a request body without a full parse into objects (Utf8JsonReader over the bytes).</summary>
/// <param name="Model">The top-level <c>model</c>, unescaped.</param>
/// <param name="Stream">The top-level <c>stream</c> (absent or null reads as false).</param>
/// <param name="ClientAskedForUsage">Chat only: <c>stream_options.include_usage == true</c>.</param>
/// <param name="EstimatedInputTokens">Cheap: body bytes / 4 rounded up, no tokenizer.</param>
/// <param name="MaxOutputTokens"><c>max_tokens</c> (Anthropic), <c>max_completion_tokens</c> else <c>max_tokens</c> (chat),
/// <c>max_output_tokens</c> (Responses); null when absent.</param>
public sealed record RequestFacts(
    string? Model,
    bool Stream,
    bool ClientAskedForUsage,
    long EstimatedInputTokens,
    long? MaxOutputTokens)
{
    /// <summary>
    /// Parts of the request that may be billed beyond tokens, as <c>name</c> or <c>name:value</c>: every
    /// <c>tools[].type</c> as <c>tool:&lt;type&gt;</c>, <c>service_tier:&lt;v&gt;</c>, <c>speed:&lt;v&gt;</c>,
    /// <c>inference_geo:&lt;v&gt;</c>, and <c>background</c>, <c>web_search_options</c>, <c>fallbacks</c>,
    /// <c>container</c>, <c>mcp_servers</c> when present. Relay's feature policy decides which may pass.
    /// </summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>Facts are equal when their fields are, <see cref="Features"/> compared item by item.</summary>
    public bool Equals(RequestFacts? other) =>
        other is not null && Model == other.Model && Stream == other.Stream && ClientAskedForUsage == other.ClientAskedForUsage
        && EstimatedInputTokens == other.EstimatedInputTokens && MaxOutputTokens == other.MaxOutputTokens
        && Features.SequenceEqual(other.Features);

    public override int GetHashCode() => HashCode.Combine(Model, Stream, ClientAskedForUsage, EstimatedInputTokens, MaxOutputTokens, Features.Count);
}

/// <summary>Either the facts of a well-formed request or the field that makes it malformed and why.</summary>
public sealed record RequestInspection(RequestFacts? Facts, string? ProblemField, string? ProblemMessage)
{
    public bool IsValid => Facts is not null;

    internal static RequestInspection Problem(string field, string message) => new(null, field, message);
}
