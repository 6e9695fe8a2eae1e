using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Relay.Chaos.Audit;

/// <summary>One call as the simulator served it (GET /_sim/served).</summary>
internal sealed record ServedCall(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("stream")] bool Stream,
    [property: JsonPropertyName("usage")] ServedUsage Usage,
    [property: JsonPropertyName("completed")] bool Completed,
    [property: JsonPropertyName("fault")] string? Fault);

internal sealed record ServedUsage(
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens,
    [property: JsonPropertyName("cacheReadTokens")] long CacheReadTokens,
    [property: JsonPropertyName("cacheWrite5mTokens")] long CacheWrite5mTokens,
    [property: JsonPropertyName("cacheWrite1hTokens")] long CacheWrite1hTokens,
    [property: JsonPropertyName("reasoningTokens")] long ReasoningTokens)
{
    public Tokens Tokens => new(InputTokens, OutputTokens, CacheReadTokens, CacheWrite5mTokens, CacheWrite1hTokens, ReasoningTokens);
}

internal static class ServedCalls
{
    /// <summary>The simulator's record of every call it answered, by upstream id.</summary>
    public static async Task<IReadOnlyDictionary<string, ServedCall>> ReadAsync(HttpClient http, Uri simulator, CancellationToken cancellation)
    {
        var served = await http.GetFromJsonAsync<List<ServedCall>>(new Uri(simulator, "_sim/served"), cancellation) ?? [];
        var byId = new Dictionary<string, ServedCall>(StringComparer.Ordinal);
        foreach (var call in served)
        {
            // Upstream ids are random and unique; a repeat would make every check by id meaningless.
            if (!byId.TryAdd(call.Id, call))
            {
                throw new InvalidDataException($"The simulator served two calls with the id {call.Id}.");
            }
        }
        return byId;
    }
}
