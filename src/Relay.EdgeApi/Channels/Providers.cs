using System.Collections.Frozen;
using Relay.EdgeApi.Protocols;

namespace Relay.EdgeApi.Channels;

public enum ProviderKind
{
    Anthropic,
    OpenAI,
    Glm,
}

/// <summary>How Relay reaches one provider: the path for each protocol it speaks and how it authenticates.</summary>
public sealed record ProviderProfile(ProviderKind Kind, FrozenDictionary<WireProtocol, string> Paths, UpstreamAuth Auth);

public enum UpstreamAuth
{
    /// <summary><c>x-api-key</c>, plus the client's <c>anthropic-version</c> and <c>anthropic-beta</c>.</summary>
    AnthropicApiKey,

    /// <summary><c>Authorization: Bearer</c>.</summary>
    Bearer,
}

/// <summary>The providers Relay knows. Paths are relative to a channel's base URL.</summary>
public static class Providers
{
    private static readonly FrozenDictionary<ProviderKind, ProviderProfile> s_profiles = new Dictionary<ProviderKind, ProviderProfile>
    {
        [ProviderKind.Anthropic] = new(
            ProviderKind.Anthropic,
            new Dictionary<WireProtocol, string> { [WireProtocol.AnthropicMessages] = "/v1/messages" }.ToFrozenDictionary(),
            UpstreamAuth.AnthropicApiKey),
        [ProviderKind.OpenAI] = new(
            ProviderKind.OpenAI,
            new Dictionary<WireProtocol, string>
            {
                [WireProtocol.OpenAIChat] = "/v1/chat/completions",
                [WireProtocol.OpenAIResponses] = "/v1/responses",
            }.ToFrozenDictionary(),
            UpstreamAuth.Bearer),
        // GLM speaks both: its OpenAI-style chat API and its Anthropic-compatible messages API, and takes a
        // Bearer token on both (its Claude Code setup uses ANTHROPIC_AUTH_TOKEN, which sends Bearer).
        [ProviderKind.Glm] = new(
            ProviderKind.Glm,
            new Dictionary<WireProtocol, string>
            {
                [WireProtocol.OpenAIChat] = "/api/paas/v4/chat/completions",
                [WireProtocol.AnthropicMessages] = "/api/anthropic/v1/messages",
            }.ToFrozenDictionary(),
            UpstreamAuth.Bearer),
    }.ToFrozenDictionary();

    public static ProviderProfile Profile(ProviderKind kind) => s_profiles[kind];

    public static bool TryParse(string? name, out ProviderKind kind) => Enum.TryParse(name, ignoreCase: true, out kind) && Enum.IsDefined(kind);
}
