using System.ClientModel;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using Relay.Simulator.Served;

namespace Relay.Simulator.Tests;

/// <summary>The official SDKs read the simulator's answers: text intact, usage as the determinism rule says.</summary>
public sealed class OfficialSdkTests : SimulatorTest
{
    // Token counts chosen through path prefixes, the way a channel's base URL would choose them.
    private const string Tokens = "_input-tokens/100/_cache-read-tokens/30/_reasoning-tokens/7";
    private const string AnthropicTokens = "_input-tokens/100/_cache-read-tokens/30/_cache-write-5m-tokens/20/_cache-write-1h-tokens/10";

    private OpenAIClientOptions OpenAiOptions => new() { Endpoint = new Uri(Server.BaseUrl, $"{Tokens}/v1"), RetryPolicy = null };

    [Fact]
    public async Task OpenAI_chat_reads_a_whole_answer_with_cached_and_reasoning_tokens_inside_its_totals()
    {
        var chat = new ChatClient("gpt-5", new ApiKeyCredential(SimulatorCalls.Key), OpenAiOptions);

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });

        Assert.Equal("w1 w2 w3 w4 w5", completion.Content[0].Text);
        Assert.Equal(130, completion.Usage.InputTokenCount);
        Assert.Equal(30, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(12, completion.Usage.OutputTokenCount);
        Assert.Equal(7, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(142, completion.Usage.TotalTokenCount);
        var served = await Server.Served.WaitForAsync(c => c.Id == completion.Id);
        Assert.Equal(new ServedUsage(100, 12, 30, 0, 0, 7), served.Usage);
        Assert.True(served.Completed);
    }

    [Fact]
    public async Task OpenAI_chat_streaming_reads_every_delta_and_the_usage_chunk()
    {
        var chat = new ChatClient("gpt-5", new ApiKeyCredential(SimulatorCalls.Key), OpenAiOptions);
        var text = "";
        ChatTokenUsage? usage = null;
        string? id = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            id ??= update.CompletionId;
            text += string.Concat(update.ContentUpdate.Select(part => part.Text));
            usage = update.Usage ?? usage;
        }

        Assert.Equal("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", text);
        Assert.NotNull(usage);
        Assert.Equal(130, usage.InputTokenCount);
        Assert.Equal(30, usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(19, usage.OutputTokenCount);
        Assert.Equal(7, usage.OutputTokenDetails.ReasoningTokenCount);
        var served = await Server.Served.WaitForAsync(c => c.Id == id);
        Assert.Equal(new ServedUsage(100, 19, 30, 0, 0, 7), served.Usage);
        Assert.True(served.Stream);
        Assert.True(served.Completed);
    }

    [Fact]
    public async Task OpenAI_responses_reads_a_whole_answer_and_its_usage()
    {
        var responses = new ResponsesClient(new ApiKeyCredential(SimulatorCalls.Key), new ResponsesClientOptions
        {
            Endpoint = new Uri(Server.BaseUrl, $"{Tokens}/v1"),
            RetryPolicy = null,
        });

        ResponseResult response = await responses.CreateResponseAsync(
            new CreateResponseOptions("gpt-5", [ResponseItem.CreateUserMessageItem("hello")]) { MaxOutputTokenCount = 3 });

        Assert.Equal("w1 w2 w3", response.GetOutputText());
        Assert.Equal(130, response.Usage.InputTokenCount);
        Assert.Equal(30, response.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(10, response.Usage.OutputTokenCount);
        Assert.Equal(7, response.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(140, response.Usage.TotalTokenCount);
        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAI_responses_streaming_reads_every_delta_and_the_completed_usage()
    {
        var responses = new ResponsesClient(new ApiKeyCredential(SimulatorCalls.Key), new ResponsesClientOptions
        {
            Endpoint = new Uri(Server.BaseUrl, $"{Tokens}/v1"),
            RetryPolicy = null,
        });
        var text = "";
        ResponseResult? completed = null;

        await foreach (var update in await responses.CreateResponseStreamingAsync(
            new CreateResponseOptions("gpt-5", [ResponseItem.CreateUserMessageItem("hello")]) { MaxOutputTokenCount = 4, StreamingEnabled = true }))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text += delta.Delta;
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal("w1 w2 w3 w4", text);
        Assert.NotNull(completed);
        Assert.Equal("w1 w2 w3 w4", completed.GetOutputText());
        Assert.Equal(130, completed.Usage.InputTokenCount);
        Assert.Equal(30, completed.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(11, completed.Usage.OutputTokenCount);
        Assert.Equal(7, completed.Usage.OutputTokenDetails.ReasoningTokenCount);
        var served = await Server.Served.WaitForAsync(c => c.Id == completed.Id);
        Assert.Equal(new ServedUsage(100, 11, 30, 0, 0, 7), served.Usage);
    }

    [Fact]
    public async Task Anthropic_messages_reads_a_whole_answer_with_cache_reads_and_writes_outside_input_tokens()
    {
        using var client = AnthropicClient();

        var message = await client.Messages.Create(Parameters(maxTokens: 6));

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("w1 w2 w3 w4 w5 w6", text.Text);
        Assert.Equal(100, message.Usage.InputTokens);
        Assert.Equal(30, message.Usage.CacheReadInputTokens);
        Assert.Equal(30, message.Usage.CacheCreationInputTokens);
        Assert.Equal(20, message.Usage.CacheCreation!.Ephemeral5mInputTokens);
        Assert.Equal(10, message.Usage.CacheCreation.Ephemeral1hInputTokens);
        Assert.Equal(6, message.Usage.OutputTokens);
        var served = await Server.Served.WaitForAsync(c => c.Id == message.ID);
        Assert.Equal(new ServedUsage(100, 6, 30, 20, 10, 0), served.Usage);
    }

    [Fact]
    public async Task Anthropic_messages_streaming_reads_every_delta_and_cumulative_usage()
    {
        using var client = AnthropicClient();
        var text = "";
        Usage? start = null;
        MessageDeltaUsage? final = null;
        string? id = null;

        await foreach (var sse in client.Messages.CreateStreaming(Parameters(maxTokens: 1000)))
        {
            if (sse.TryPickStart(out var started))
            {
                start = started.Message.Usage;
                id = started.Message.ID;
            }
            else if (sse.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
            {
                text += delta.Text;
            }
            else if (sse.TryPickDelta(out var messageDelta))
            {
                final = messageDelta.Usage;
            }
        }

        Assert.Equal("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", text);
        Assert.NotNull(start);
        Assert.Equal(100, start.InputTokens);
        Assert.Equal(30, start.CacheReadInputTokens);
        Assert.Equal(20, start.CacheCreation!.Ephemeral5mInputTokens);
        Assert.Equal(10, start.CacheCreation.Ephemeral1hInputTokens);
        Assert.NotNull(final);
        Assert.Equal(100, final.InputTokens);
        Assert.Equal(30, final.CacheReadInputTokens);
        Assert.Equal(30, final.CacheCreationInputTokens);
        Assert.Equal(12, final.OutputTokens);
        var served = await Server.Served.WaitForAsync(c => c.Id == id);
        Assert.Equal(new ServedUsage(100, 12, 30, 20, 10, 0), served.Usage);
        Assert.True(served.Completed);
    }

    [Fact]
    public async Task Anthropic_sdk_with_a_bearer_token_reads_glm_anthropic_style_answers_as_claude_code_would()
    {
        using var client = new AnthropicClient(new ClientOptions
        {
            AuthToken = SimulatorCalls.Key,
            BaseUrl = new Uri(Server.BaseUrl, "api/anthropic").ToString(),
            MaxRetries = 0,
        });
        var text = "";

        await foreach (var sse in client.Messages.CreateStreaming(Parameters(maxTokens: 3)))
        {
            if (sse.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
            {
                text += delta.Text;
            }
        }

        Assert.Equal("w1 w2 w3", text);
        var served = await Server.Served.WaitForAsync(_ => true);
        Assert.Equal("/api/anthropic/v1/messages", served.Path);
    }

    [Fact]
    public async Task OpenAI_chat_sdk_reads_a_glm_stream_and_its_usage_from_the_last_chunk()
    {
        var chat = new ChatClient("glm-5", new ApiKeyCredential(SimulatorCalls.Key), new OpenAIClientOptions
        {
            Endpoint = new Uri(Server.BaseUrl, "_input-tokens/100/_cache-read-tokens/30/api/paas/v4"),
            RetryPolicy = null,
        });
        var text = "";
        ChatTokenUsage? usage = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 }))
        {
            text += string.Concat(update.ContentUpdate.Select(part => part.Text));
            usage = update.Usage ?? usage;
        }

        Assert.Equal("w1 w2 w3 w4", text);
        Assert.NotNull(usage);
        Assert.Equal(130, usage.InputTokenCount);
        Assert.Equal(30, usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(4, usage.OutputTokenCount);
    }

    private AnthropicClient AnthropicClient() => new(new ClientOptions
    {
        ApiKey = SimulatorCalls.Key,
        BaseUrl = new Uri(Server.BaseUrl, AnthropicTokens).ToString(),
        MaxRetries = 0,
    });

    private static MessageCreateParams Parameters(long maxTokens) => new()
    {
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam("hello")],
        Model = "claude-sonnet-4-5",
    };
}
