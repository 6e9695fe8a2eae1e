using System.ClientModel;
using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>The official SDKs, pointed at Relay, against the simulator: text intact, the account charged the priced usage.</summary>
[Collection(SharedEdge.Name)]
public sealed class SdkTests(EdgeHarness edge)
{
    /// <summary>The simulator's answer for 12 output tokens.</summary>
    private const string ExpectedText = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12";

    // Prices at 90% of list, for 1000 input and 12 output tokens.
    private static readonly Usd s_sonnet46 = Usd.FromDecimal(0.002862m);   // 1000 x 2.70 + 12 x 13.50
    private static readonly Usd s_gpt54 = Usd.FromDecimal(0.002412m);      // 1000 x 2.25 + 12 x 13.50
    private static readonly Usd s_gpt53Codex = Usd.FromDecimal(0.0017262m); // 1000 x 1.575 + 12 x 12.60
    private static readonly Usd s_glm51 = Usd.FromDecimal(0.00130752m);   // 1000 x 1.26 + 12 x 3.96

    [Fact]
    public async Task Anthropic_sdk_message_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var client = AnthropicFor(key);

        var message = await client.Messages.Create(Hello("claude-sonnet-4-6"));

        Assert.Equal(ExpectedText, TextOf(message));
        await AssertChargedAsync(accountId, s_sonnet46);
    }

    [Fact]
    public async Task Anthropic_sdk_stream_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var client = AnthropicFor(key);

        var text = new StringBuilder();
        await foreach (var update in client.Messages.CreateStreaming(Hello("claude-sonnet-4-6")))
        {
            if (update.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                text.Append(textDelta.Text);
            }
        }

        Assert.Equal(ExpectedText, text.ToString());
        await AssertChargedAsync(accountId, s_sonnet46);
    }

    [Fact]
    public async Task OpenAI_sdk_chat_completion_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var chat = new ChatClient("gpt-5.4", new ApiKeyCredential(key), OpenAIOptions());

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello")]);

        Assert.Equal(ExpectedText, completion.Content[0].Text);
        await AssertChargedAsync(accountId, s_gpt54);
    }

    [Fact]
    public async Task OpenAI_sdk_chat_stream_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var chat = new ChatClient("gpt-5.4", new ApiKeyCredential(key), OpenAIOptions());

        var text = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal(ExpectedText, text.ToString());
        await AssertChargedAsync(accountId, s_gpt54);
    }

    [Fact]
    public async Task OpenAI_sdk_chat_against_glm_is_charged_the_glm_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var chat = new ChatClient("glm-5.1", new ApiKeyCredential(key), OpenAIOptions());

        var text = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal(ExpectedText, text.ToString());
        await AssertChargedAsync(accountId, s_glm51);
    }

    [Fact]
    public async Task OpenAI_sdk_response_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var responses = new ResponsesClient(new ApiKeyCredential(key), new ResponsesClientOptions { Endpoint = new Uri(edge.BaseUrl, "v1") });

        ResponseResult response = await responses.CreateResponseAsync("gpt-5.3-codex", "Hello", previousResponseId: null);

        Assert.Equal(ExpectedText, response.GetOutputText());
        await AssertChargedAsync(accountId, s_gpt53Codex);
    }

    [Fact]
    public async Task OpenAI_sdk_response_stream_arrives_intact_and_is_charged_its_price()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var responses = new ResponsesClient(new ApiKeyCredential(key), new ResponsesClientOptions { Endpoint = new Uri(edge.BaseUrl, "v1") });

        var text = new StringBuilder();
        await foreach (var update in await responses.CreateResponseStreamingAsync("gpt-5.3-codex", "Hello", previousResponseId: null))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.Equal(ExpectedText, text.ToString());
        await AssertChargedAsync(accountId, s_gpt53Codex);
    }

    private AnthropicClient AnthropicFor(string key) => new() { ApiKey = key, BaseUrl = edge.BaseUrl.ToString().TrimEnd('/'), MaxRetries = 0 };

    private OpenAIClientOptions OpenAIOptions() => new() { Endpoint = new Uri(edge.BaseUrl, "v1") };

    private static MessageCreateParams Hello(string model) => new()
    {
        Model = model,
        MaxTokens = 256,
        Messages = [new UserMessageParam { Content = "Hello" }],
    };

    private static string TextOf(Message message) =>
        string.Concat(message.Content.Select(block => block.TryPickText(out var text) ? text.Text : ""));

    private async Task AssertChargedAsync(string accountId, Usd expected)
    {
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.False(settled.Usage.Estimated);
        Assert.Equal(expected, settled.Usage.Cost);
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(5m) - expected, account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
    }
}
