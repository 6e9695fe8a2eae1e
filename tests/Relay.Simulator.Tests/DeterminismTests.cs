using System.Text;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;

namespace Relay.Simulator.Tests;

/// <summary>The determinism rule of README.md: what a call's answer and usage will be, from its request alone.</summary>
public sealed class DeterminismTests : SimulatorTest
{
    [Fact]
    public async Task Input_tokens_default_to_one_per_started_four_bytes_of_the_body()
    {
        const string body = """{"model":"claude-sonnet-4-5","max_tokens":3,"messages":[{"role":"user","content":"x"}]}""";

        var (_, text) = await SimulatorCalls.PostAsync(Server, "v1/messages", body);

        var expected = (Encoding.UTF8.GetByteCount(body) + 3) / 4;
        Assert.Equal(expected, JsonShapes.Parse(text).At("usage", "input_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""", 12)]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[]}""", 5)]
    [InlineData("""{"model":"m","max_tokens":4096,"messages":[]}""", 12)]
    [InlineData("""{"model":"m","max_completion_tokens":2,"messages":[]}""", 2)]
    public async Task Output_is_as_many_words_as_the_smaller_of_max_tokens_and_twelve(string body, int words)
    {
        var (_, text) = await SimulatorCalls.PostAsync(Server, "v1/chat/completions", body);

        var answer = JsonShapes.Parse(text);
        Assert.Equal(Words(words), answer.GetProperty("choices")[0].At("message", "content").GetString());
        Assert.Equal(words, answer.At("usage", "completion_tokens").GetInt32());
    }

    [Fact]
    public async Task The_output_tokens_header_overrides_max_tokens()
    {
        var (_, text) = await SimulatorCalls.PostAsync(
            Server, "v1/responses", """{"model":"gpt-5","max_output_tokens":3,"input":"hi"}""", (SimulatorHeaders.OutputTokens, "40"));

        var answer = JsonShapes.Parse(text);
        Assert.Equal(Words(40), answer.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(40, answer.At("usage", "output_tokens").GetInt32());
    }

    [Fact]
    public async Task A_base_url_with_settings_applies_them_to_every_call_under_it()
    {
        var baseUrl = Server.WithSettings(("output-tokens", "3"), ("input-tokens", "77"));
        using var http = new HttpClient { BaseAddress = baseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"m","messages":[]}"""),
        };
        request.Headers.Authorization = new("Bearer", SimulatorCalls.Key);

        using var response = await http.SendAsync(request);

        var usage = JsonShapes.Parse(await response.Content.ReadAsStringAsync()).GetProperty("usage");
        Assert.Equal(77, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Each_word_is_one_delta_event()
    {
        var events = await SimulatorCalls.StreamAsync(
            Server, "v1/messages", """{"model":"m","max_tokens":100,"stream":true,"messages":[]}""", (SimulatorHeaders.OutputTokens, "30"));

        var deltas = events.Where(e => e.Event == "content_block_delta")
            .Select(e => JsonShapes.Parse(e.Data).At("delta", "text").GetString()).ToList();
        Assert.Equal(30, deltas.Count);
        Assert.Equal(Words(30), string.Concat(deltas));
    }

    [Fact]
    public async Task Anthropic_reports_input_without_cache_reads_and_writes_and_output_with_reasoning()
    {
        var (_, text) = await SimulatorCalls.PostAsync(
            Server,
            "v1/messages",
            """{"model":"m","max_tokens":4,"messages":[]}""",
            (SimulatorHeaders.InputTokens, "50"),
            (SimulatorHeaders.CacheReadTokens, "400"),
            (SimulatorHeaders.CacheWrite5mTokens, "60"),
            (SimulatorHeaders.CacheWrite1hTokens, "6"),
            (SimulatorHeaders.ReasoningTokens, "9"));

        var usage = JsonShapes.Parse(text).GetProperty("usage");
        Assert.Equal(50, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(400, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(66, usage.GetProperty("cache_creation_input_tokens").GetInt32());
        Assert.Equal(60, usage.At("cache_creation", "ephemeral_5m_input_tokens").GetInt32());
        Assert.Equal(6, usage.At("cache_creation", "ephemeral_1h_input_tokens").GetInt32());
        Assert.Equal(13, usage.GetProperty("output_tokens").GetInt32());
        var served = await Server.Served.WaitForAsync(_ => true);
        Assert.Equal(new ServedUsage(50, 13, 400, 60, 6, 0), served.Usage);
    }

    [Fact]
    public async Task OpenAI_counts_cached_tokens_inside_prompt_tokens_and_ignores_cache_writes()
    {
        var (_, text) = await SimulatorCalls.PostAsync(
            Server,
            "v1/chat/completions",
            """{"model":"m","max_tokens":4,"messages":[]}""",
            (SimulatorHeaders.InputTokens, "50"),
            (SimulatorHeaders.CacheReadTokens, "400"),
            (SimulatorHeaders.CacheWrite5mTokens, "60"),
            (SimulatorHeaders.ReasoningTokens, "9"));

        var usage = JsonShapes.Parse(text).GetProperty("usage");
        Assert.Equal(450, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(400, usage.At("prompt_tokens_details", "cached_tokens").GetInt32());
        Assert.Equal(13, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(9, usage.At("completion_tokens_details", "reasoning_tokens").GetInt32());
        Assert.Equal(463, usage.GetProperty("total_tokens").GetInt32());
        var served = await Server.Served.WaitForAsync(_ => true);
        Assert.Equal(new ServedUsage(50, 13, 400, 0, 0, 9), served.Usage);
    }

    [Fact]
    public async Task Glm_reports_cached_tokens_inside_prompt_tokens()
    {
        var (_, text) = await SimulatorCalls.PostAsync(
            Server,
            "api/paas/v4/chat/completions",
            """{"model":"glm-5","max_tokens":4,"messages":[]}""",
            (SimulatorHeaders.InputTokens, "50"),
            (SimulatorHeaders.CacheReadTokens, "400"));

        var answer = JsonShapes.Parse(text);
        Assert.Equal("w1 w2 w3 w4", answer.GetProperty("choices")[0].At("message", "content").GetString());
        Assert.Equal(450, answer.At("usage", "prompt_tokens").GetInt32());
        Assert.Equal(400, answer.At("usage", "prompt_tokens_details", "cached_tokens").GetInt32());
        Assert.Equal(4, answer.At("usage", "completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Count_tokens_uses_the_same_input_rule_as_a_call()
    {
        var body = WireTranscripts.Read("anthropic/count-tokens.json");
        var request = JsonShapes.Parse(body).GetProperty("request").GetProperty("body").GetRawText();

        var (response, text) = await SimulatorCalls.PostAsync(Server, "v1/messages/count_tokens", request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal($$"""{"input_tokens":{{(Encoding.UTF8.GetByteCount(request) + 3) / 4}}}""", text);
    }

    [Fact]
    public async Task Models_are_listed_in_anthropic_shape_to_an_anthropic_caller_and_openai_shape_otherwise()
    {
        using var anthropic = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.BaseUrl, "v1/models"));
        anthropic.Headers.Add("x-api-key", SimulatorCalls.Key);
        anthropic.Headers.Add("anthropic-version", "2023-06-01");
        using var openAi = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.BaseUrl, "v1/models"));
        openAi.Headers.Authorization = new("Bearer", SimulatorCalls.Key);

        var anthropicList = JsonShapes.Parse(await (await SimulatorCalls.SendAsync(anthropic)).Content.ReadAsStringAsync());
        var openAiList = JsonShapes.Parse(await (await SimulatorCalls.SendAsync(openAi)).Content.ReadAsStringAsync());

        Assert.Equal("model", anthropicList.GetProperty("data")[0].GetProperty("type").GetString());
        Assert.False(anthropicList.GetProperty("has_more").GetBoolean());
        Assert.Equal("list", openAiList.GetProperty("object").GetString());
        Assert.Equal("model", openAiList.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("v1/messages", """{"model":"claude-opus-4-8","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("v1/responses", """{"model":"gpt-6.2-sol","input":"hi"}""")]
    [InlineData("v1/responses", """{"model":"gpt-5.5","input":"hi"}""")]
    [InlineData("v1/chat/completions", """{"model":"gpt-5.5","messages":[{"role":"user","content":"hi"}]}""")]
    public async Task The_models_claude_code_and_codex_ask_for_by_default_are_answered_and_listed(string path, string body)
    {
        var model = JsonShapes.Parse(body).GetProperty("model").GetString()!;
        using var list = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.BaseUrl, "v1/models"));
        list.Headers.Authorization = new("Bearer", SimulatorCalls.Key);

        var (response, text) = await SimulatorCalls.PostAsync(Server, path, body);
        var listed = JsonShapes.Parse(await (await SimulatorCalls.SendAsync(list)).Content.ReadAsStringAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(model, JsonShapes.Parse(text).GetProperty("model").GetString());
        Assert.Contains(listed.GetProperty("data").EnumerateArray(), entry => entry.GetProperty("id").GetString() == model);
    }

    [Fact]
    public async Task Every_call_gets_its_own_upstream_id_in_the_providers_shape()
    {
        var ids = new List<string>();
        foreach (var (path, field) in new[] { ("v1/messages", "id"), ("v1/chat/completions", "id"), ("v1/responses", "id") })
        {
            for (var i = 0; i < 2; i++)
            {
                var (response, text) = await SimulatorCalls.PostAsync(Server, path, """{"model":"m","max_tokens":1,"messages":[]}""");
                var id = JsonShapes.Parse(text).GetProperty(field).GetString()!;
                Assert.Equal(id, response.Headers.GetValues(SimulatorHeaders.CallId).Single());
                ids.Add(id);
            }
        }

        Assert.Equal(6, ids.Distinct().Count());
        Assert.All(ids.Take(2), id => Assert.StartsWith("msg_", id, StringComparison.Ordinal));
        Assert.All(ids.Skip(2).Take(2), id => Assert.StartsWith("chatcmpl-", id, StringComparison.Ordinal));
        Assert.All(ids.Skip(4), id => Assert.StartsWith("resp_", id, StringComparison.Ordinal));
    }

    private static string Words(int count) => string.Join(' ', Enumerable.Range(1, count).Select(i => $"w{i}"));
}
