using System.Text;
using System.Text.Json.Nodes;

namespace Relay.Chaos.Load;

/// <summary>The three APIs the clients speak through the edges.</summary>
internal enum ClientProtocol
{
    AnthropicMessages,
    OpenAIChat,
    OpenAIResponses,
}

/// <summary>One streamed call a client will make: the API, the model and the request body.</summary>
internal sealed record CallPlan(ClientProtocol Protocol, string Model, byte[] Body, long MaxOutputTokens)
{
    public string Path => Protocol switch
    {
        ClientProtocol.AnthropicMessages => "v1/messages",
        ClientProtocol.OpenAIChat => "v1/chat/completions",
        _ => "v1/responses",
    };

    /// <summary>What the edge reserves at admission: body bytes / 4 rounded up as input, the requested maximum as output.</summary>
    public long ReservedInputTokens => (Body.Length + 3L) / 4;
}

/// <summary>
/// Which call comes next, from a seed: the same seed gives the same sequence of APIs, models and prompts, so
/// two runs differ only in what the faults hit.
/// </summary>
internal sealed class CallMix(int seed)
{
    private static readonly (ClientProtocol Protocol, string Model)[] s_shapes =
    [
        (ClientProtocol.AnthropicMessages, "claude-sonnet-4-6"),
        (ClientProtocol.AnthropicMessages, "claude-haiku-4-5"),
        (ClientProtocol.AnthropicMessages, "claude-opus-4-6"),
        (ClientProtocol.AnthropicMessages, "glm-5.1"),
        (ClientProtocol.OpenAIChat, "gpt-5.4"),
        (ClientProtocol.OpenAIChat, "gpt-5.3-codex"),
        (ClientProtocol.OpenAIChat, "glm-5"),
        (ClientProtocol.OpenAIResponses, "gpt-5.3-codex"),
        (ClientProtocol.OpenAIResponses, "gpt-5-codex"),
        (ClientProtocol.OpenAIResponses, "gpt-5.4"),
    ];

    private static readonly string[] s_words =
        ["ledger", "settle", "stream", "silo", "edge", "reserve", "token", "credit", "exact", "nano", "charge", "relay"];

    /// <summary>The plan of call number <paramref name="number"/> (from 1); the poor account always asks the dearest model.</summary>
    public CallPlan For(int number, bool poor)
    {
        var random = new Random(HashCode.Combine(seed, number));
        var (protocol, model) = poor ? (ClientProtocol.AnthropicMessages, "claude-opus-4-6") : s_shapes[random.Next(s_shapes.Length)];
        var prompt = new StringBuilder($"chaos call {number}:");
        for (var i = random.Next(4, 60); i > 0; i--)
        {
            prompt.Append(' ').Append(s_words[random.Next(s_words.Length)]);
        }
        var maxOutput = 64L + random.Next(0, 64);
        JsonObject body = protocol switch
        {
            ClientProtocol.AnthropicMessages => new()
            {
                ["model"] = model,
                ["max_tokens"] = maxOutput,
                ["stream"] = true,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt.ToString() }),
            },
            ClientProtocol.OpenAIChat => ChatBody(model, prompt.ToString(), maxOutput, askUsage: random.Next(2) == 0),
            _ => new()
            {
                ["model"] = model,
                ["stream"] = true,
                ["max_output_tokens"] = maxOutput,
                ["input"] = prompt.ToString(),
            },
        };
        return new CallPlan(protocol, model, Encoding.UTF8.GetBytes(body.ToJsonString()), maxOutput);
    }

    private static JsonObject ChatBody(string model, string prompt, long maxOutput, bool askUsage)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["stream"] = true,
            ["max_completion_tokens"] = maxOutput,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (askUsage)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        return body;
    }
}
