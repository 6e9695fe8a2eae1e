using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using Relay.Accounts;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;
using Relay.Simulator.Served;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>
/// Every model from every client: the official SDKs call models whose channels speak another protocol, against the
/// simulator. The answer parses in the client's SDK, tool calls arrive whole, and the charge is the upstream's
/// reported usage at the model's price.
/// </summary>
[Collection(SharedEdge.Name)]
public sealed class TranslationTests(EdgeHarness edge)
{
    private const string ExpectedText = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12";

    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}""";

    private static readonly ModelPrice s_toolClaude = Priced(3, 15);
    private static readonly ModelPrice s_toolGpt = Priced(2.5m, 15);

    private static ModelPrice Priced(decimal input, decimal output) =>
        ModelPrice.From(new ModelPricing(new TokenPrices(Usd.FromDecimal(input), Usd.FromDecimal(output)), 1m, []));

    /// <summary>The harness's own models (EdgeHarness configures them); the others are priced as shipped.</summary>
    private static readonly Dictionary<string, ModelPrice> s_harnessPrices = new()
    {
        ["chat-only-gpt"] = Priced(1, 10),
        ["responses-only-gpt"] = Priced(1.25m, 10),
    };

    [Theory]
    [InlineData("gpt-5.4", "/v1/responses")]
    [InlineData("chat-only-gpt", "/v1/chat/completions")]
    [InlineData("glm-5.1", "/api/anthropic/v1/messages")]
    public async Task Anthropic_sdk_reads_a_whole_answer_of_a_model_served_in_another_protocol(string model, string upstreamPath)
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var message = await Anthropic(key).Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Messages = [new UserMessageParam { Content = "Hello" }],
        });

        Assert.Equal(ExpectedText, string.Concat(message.Content.Select(block => block.TryPickText(out var text) ? text.Text : "")));
        Assert.Equal(12, message.Usage.OutputTokens);
        await AssertChargedAsync(accountId, model, upstreamPath);
    }

    [Theory]
    [InlineData("gpt-5.4", "/v1/responses")]
    [InlineData("chat-only-gpt", "/v1/chat/completions")]
    public async Task Anthropic_sdk_reads_a_stream_of_a_model_served_in_another_protocol(string model, string upstreamPath)
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var text = new StringBuilder();
        await foreach (var update in Anthropic(key).Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Messages = [new UserMessageParam { Content = "Hello" }],
        }))
        {
            if (update.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                text.Append(textDelta.Text);
            }
        }

        Assert.Equal(ExpectedText, text.ToString());
        await AssertChargedAsync(accountId, model, upstreamPath);
    }

    [Theory]
    [InlineData("claude-sonnet-4-6", "/v1/messages")]
    [InlineData("responses-only-gpt", "/v1/responses")]
    public async Task OpenAI_chat_sdk_reads_whole_answers_and_streams_of_a_model_served_in_another_protocol(string model, string upstreamPath)
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var chat = new ChatClient(model, new ApiKeyCredential(key), OpenAIOptions());

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello")]);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello")], new ChatCompletionOptions()))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            usage = update.Usage ?? usage;
        }

        Assert.Equal(ExpectedText, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ExpectedText, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(12, usage.OutputTokenCount);
        await AssertChargedAsync(accountId, model, upstreamPath, calls: 2);
    }

    [Theory]
    [InlineData("claude-sonnet-4-6", "/v1/messages")]
    [InlineData("chat-only-gpt", "/v1/chat/completions")]
    [InlineData("glm-5.1", "/api/anthropic/v1/messages")]
    public async Task OpenAI_responses_sdk_reads_whole_answers_and_streams_of_a_model_served_in_another_protocol(string model, string upstreamPath)
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var responses = Responses(key);

        ResponseResult response = await responses.CreateResponseAsync(model, "Hello", previousResponseId: null);
        var text = new StringBuilder();
        ResponseResult? completed = null;
        await foreach (var update in await responses.CreateResponseStreamingAsync(model, "Hello", previousResponseId: null))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal(ExpectedText, response.GetOutputText());
        Assert.Equal(ExpectedText, text.ToString());
        Assert.NotNull(completed);
        Assert.Equal(ExpectedText, completed.GetOutputText());
        Assert.Equal(12, completed.Usage.OutputTokenCount);
        await AssertChargedAsync(accountId, model, upstreamPath, calls: 2);
    }

    [Fact]
    public async Task OpenAI_chat_sdk_gets_a_claude_models_parallel_tool_calls_whole_then_its_answer_to_their_results()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var chat = new ChatClient("tool-claude", new ApiKeyCredential(key), OpenAIOptions());
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "The weather", BinaryData.FromString(WeatherSchema)) } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris and Rome?")];

        var calls = new Dictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var seen))
                {
                    calls[call.Index] = seen = (call.ToolCallId, call.FunctionName, new StringBuilder());
                }
                seen.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(2, calls.Count);
        Assert.All(calls.Values, call =>
        {
            Assert.Equal("get_weather", call.Name);
            Assert.StartsWith("toolu_", call.Id, StringComparison.Ordinal);
            Assert.Equal("""{"city":"v1","days":1}""", call.Arguments.ToString());
        });

        messages.Add(new AssistantChatMessage([.. calls.Values.Select(call => ChatToolCall.CreateFunctionToolCall(call.Id, call.Name, BinaryData.FromString(call.Arguments.ToString())))]));
        messages.AddRange(calls.Values.Select(call => new ToolChatMessage(call.Id, "Sunny")));
        ChatCompletion answer = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.Equal(ExpectedText, answer.Content[0].Text);
        var served = await AssertChargedAsync(accountId, "tool-claude", "/v1/messages", calls: 2, price: s_toolClaude);
        Assert.Equal(2, served[0].ToolCalls);
        Assert.Equal(2, served[1].ToolResults);
    }

    [Fact]
    public async Task Anthropic_sdk_gets_an_openai_models_tool_calls_whole_with_its_thinking_then_its_answer_to_their_results()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var client = Anthropic(key);
        var tool = new Tool
        {
            Name = "get_weather",
            Description = "The weather",
            InputSchema = new InputSchema
            {
                Properties = new Dictionary<string, JsonElement>
                {
                    ["city"] = JsonSerializer.SerializeToElement(new { type = "string" }),
                    ["days"] = JsonSerializer.SerializeToElement(new { type = "integer" }),
                },
                Required = ["city", "days"],
            },
        };
        var request = new MessageCreateParams
        {
            Model = "tool-gpt",
            MaxTokens = 4096,
            Thinking = new ThinkingConfigEnabled(2048),
            Tools = [tool],
            Messages = [new UserMessageParam { Content = "Weather in Paris and Rome?" }],
        };

        var blocks = new Dictionary<long, (string Kind, string Id, string Name, StringBuilder Text)>();
        string? stop = null;
        await foreach (var update in client.Messages.CreateStreaming(request))
        {
            if (update.TryPickContentBlockStart(out var start))
            {
                blocks[start.Index] = start.ContentBlock.TryPickToolUse(out var use) ? ("tool_use", use.ID, use.Name, new StringBuilder())
                    : start.ContentBlock.TryPickThinking(out _) ? ("thinking", "", "", new StringBuilder())
                    : ("text", "", "", new StringBuilder());
            }
            else if (update.TryPickContentBlockDelta(out var delta))
            {
                var text = delta.Delta.TryPickInputJson(out var json) ? json.PartialJson
                    : delta.Delta.TryPickThinking(out var thinking) ? thinking.Thinking
                    : delta.Delta.TryPickText(out var words) ? words.Text : "";
                blocks[delta.Index].Text.Append(text);
            }
            else if (update.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.StopReason?.Raw();
            }
        }

        Assert.Equal("tool_use", stop);
        Assert.Equal(["thinking", "text", "tool_use", "tool_use"], blocks.OrderBy(b => b.Key).Select(b => b.Value.Kind));
        Assert.Equal("r1 r2 r3", blocks[0].Text.ToString());
        var uses = blocks.Values.Where(b => b.Kind == "tool_use").ToList();
        Assert.All(uses, use => Assert.Equal("""{"city":"v1","days":1}""", use.Text.ToString()));

        var answer = await client.Messages.Create(request with
        {
            Messages =
            [
                .. request.Messages,
                new AssistantMessageParam
                {
                    Content = new List<ContentBlockParam>([.. uses.Select(use => (ContentBlockParam)new ToolUseBlockParam
                    {
                        ID = use.Id,
                        Name = use.Name,
                        Input = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(use.Text.ToString())!,
                    })]),
                },
                new UserMessageParam
                {
                    Content = new List<ContentBlockParam>([.. uses.Select(use => (ContentBlockParam)new ToolResultBlockParam(use.Id) { Content = "Sunny" })]),
                },
            ],
        });

        Assert.Equal("end_turn", answer.StopReason?.Raw());
        Assert.Contains(ExpectedText, string.Concat(answer.Content.Select(block => block.TryPickText(out var text) ? text.Text : "")), StringComparison.Ordinal);
        var served = await AssertChargedAsync(accountId, "tool-gpt", "/v1/responses", calls: 2, price: s_toolGpt);
        Assert.Equal(2, served[1].ToolResults);
    }

    [Fact]
    public async Task OpenAI_responses_sdk_gets_a_claude_models_function_calls_whole()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var options = new CreateResponseOptions("tool-claude", [ResponseItem.CreateUserMessageItem("Weather?")])
        {
            Tools = { ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString(WeatherSchema), strictModeEnabled: false, "The weather") },
        };

        ResponseResult response = await Responses(key).CreateResponseAsync(options);

        var calls = response.OutputItems.OfType<FunctionCallResponseItem>().ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, call => Assert.Equal("""{"city":"v1","days":1}""", call.FunctionArguments.ToString()));
        await AssertChargedAsync(accountId, "tool-claude", "/v1/messages", price: s_toolClaude);
    }

    [Fact]
    public async Task An_image_reaches_the_upstream_in_its_own_shape()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(JsonNode.Parse("""
                {"model":"claude-sonnet-4-6","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}
                """)),
        };
        request.Headers.Authorization = new("Bearer", key);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = await AssertChargedAsync(accountId, "claude-sonnet-4-6", "/v1/messages");
        Assert.Equal(1, served[0].Images);
    }

    [Fact]
    public async Task What_the_upstream_protocol_cannot_say_is_refused_by_name_and_charges_nothing()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var refusal = await Assert.ThrowsAsync<AnthropicBadRequestException>(() => Anthropic(key).Messages.Create(new MessageCreateParams
        {
            Model = "gpt-5.4",
            MaxTokens = 256,
            StopSequences = ["END"],
            Messages = [new UserMessageParam { Content = "Hello" }],
        }));

        Assert.Contains("stop_sequences", refusal.Message, StringComparison.Ordinal);
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(5m), account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
    }

    [Fact]
    public async Task An_overloaded_claude_model_is_a_503_in_openais_shape_and_charges_nothing()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "overloaded-sonnet", messages = new[] { new { role = "user", content = "Hi" } } }),
        };
        request.Headers.Authorization = new("Bearer", key);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        // Relay's words, not the provider's (docs/configuration.md: an upstream's message may name the operator's account).
        Assert.StartsWith("The upstream provider is overloaded", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal("server_error", (string?)error["type"]);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        Assert.Equal(Usd.Zero, settled.Usage.Cost);
    }

    private AnthropicClient Anthropic(string key) => new() { ApiKey = key, BaseUrl = edge.BaseUrl.ToString().TrimEnd('/'), MaxRetries = 0 };

    private OpenAIClientOptions OpenAIOptions() => new() { Endpoint = new Uri(edge.BaseUrl, "v1") };

    private ResponsesClient Responses(string key) => new(new ApiKeyCredential(key), new ResponsesClientOptions { Endpoint = new Uri(edge.BaseUrl, "v1") });

    /// <summary>
    /// The account was charged, for each call, exactly what the simulator says it reported upstream at the model's
    /// price, and the calls went upstream on <paramref name="upstreamPath"/>. Returns the served calls in order.
    /// </summary>
    private async Task<List<ServedCall>> AssertChargedAsync(string accountId, string model, string upstreamPath, int calls = 1, ModelPrice? price = null)
    {
        price ??= s_harnessPrices.GetValueOrDefault(model) ?? Prices.Of(model);
        var settled = await edge.Settlements.WaitForAsync(accountId, calls);
        Assert.Equal(calls, settled.Count);
        var served = new List<ServedCall>();
        var total = Usd.Zero;
        foreach (var settlement in settled)
        {
            Assert.False(settlement.Usage.Estimated);
            var call = await edge.Simulator.Served.WaitForAsync(c => c.Id == settlement.Usage.UpstreamId);
            Assert.Equal(upstreamPath, call.Path);
            var reported = new TokenUsage(call.Usage.InputTokens, call.Usage.OutputTokens - call.Usage.ReasoningTokens, call.Usage.CacheReadTokens,
                call.Usage.CacheWrite5mTokens, call.Usage.CacheWrite1hTokens, call.Usage.ReasoningTokens);
            Assert.Equal(price.Charge(reported), settlement.Usage.Cost);
            total += settlement.Usage.Cost;
            served.Add(call);
        }
        var account = await edge.AccountAsync(accountId);
        Assert.Equal(Usd.FromDecimal(5m) - total, account.Balance);
        Assert.Equal(Usd.Zero, account.Reserved);
        return served;
    }
}
