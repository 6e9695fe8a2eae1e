using System.Text.Json.Nodes;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>Reading an Anthropic Messages stream as a client does, line by line.</summary>
public static class AnthropicSse
{
    /// <summary>Reads SSE lines up to the first text delta; returns the upstream message id from message_start.</summary>
    public static async Task<string> ReadUntilFirstTextAsync(StreamReader reader)
    {
        string? upstreamId = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }
            var data = JsonNode.Parse(line["data: ".Length..])!;
            var type = data["type"]!.GetValue<string>();
            if (type == "message_start")
            {
                upstreamId = data["message"]!["id"]!.GetValue<string>();
            }
            else if (type == "content_block_delta")
            {
                return upstreamId ?? throw new InvalidOperationException("No message_start before the first delta.");
            }
        }
        throw new InvalidOperationException("The stream ended before any text.");
    }
}
