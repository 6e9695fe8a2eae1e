namespace Relay.EdgeApi.Protocols;

/// <summary>The request/response dialects Relay relays. GLM's OpenAI-style chat is <see cref="OpenAIChat"/>.</summary>
public enum WireProtocol
{
    AnthropicMessages = 0,
    OpenAIChat = 1,
    OpenAIResponses = 2,
}
