using System.Text.Encodings.Web;
using System.Text.Json;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests;

/// <summary>Keys are checked the way each provider checks them, and refusals carry that provider's exact body.</summary>
public sealed class AuthAndErrorTests : SimulatorTest
{
    // Compact, with ' and non-ASCII unescaped, as the providers write it.
    private static readonly JsonSerializerOptions s_compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string RightKey = "sk-right-key-0123456789";
    private const string WrongKey = "sk-proj-wrongkey0123456789abcd";
    private const string AnthropicBody = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]}""";
    private const string ChatBody = """{"model":"gpt-5","messages":[]}""";

    protected override void Configure(SimulatorOptions options)
    {
        base.Configure(options);
        options.ApiKeys.Add(RightKey);
    }

    [Fact]
    public async Task Anthropic_without_a_key_is_refused_with_the_documented_authentication_error()
    {
        var (response, body) = await SendAsync("v1/messages", AnthropicBody, bearer: null, xApiKey: null);

        Assert.Equal(401, (int)response.StatusCode);
        var requestId = response.Headers.GetValues("request-id").Single();
        Assert.Equal(
            $$"""{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"},"request_id":"{{requestId}}"}""",
            body);
    }

    [Fact]
    public async Task Anthropic_with_a_wrong_x_api_key_is_refused_as_invalid()
    {
        var (response, body) = await SendAsync("v1/messages", AnthropicBody, bearer: null, xApiKey: WrongKey);

        Assert.Equal(401, (int)response.StatusCode);
        var requestId = response.Headers.GetValues("request-id").Single();
        Assert.Equal(
            $$"""{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"{{requestId}}"}""",
            body);
    }

    [Theory]
    [InlineData(RightKey, null)]
    [InlineData(null, RightKey)]
    public async Task Anthropic_accepts_the_key_in_x_api_key_or_as_a_bearer_token(string? xApiKey, string? bearer)
    {
        var (response, _) = await SendAsync("v1/messages", AnthropicBody, bearer, xApiKey);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task OpenAI_with_an_empty_bearer_token_gets_the_recorded_invalid_api_key_body()
    {
        var (response, body) = await SendAsync("v1/chat/completions", ChatBody, bearer: "", xApiKey: null);

        Assert.Equal(401, (int)response.StatusCode);
        var recorded = JsonDocument.Parse(WireTranscripts.Read("openai/error-invalid-api-key.recorded.json")).RootElement;
        Assert.Equal(JsonSerializer.Serialize(recorded, s_compact), body);
    }

    [Fact]
    public async Task OpenAI_with_a_wrong_key_names_it_masked_as_openai_does()
    {
        var (response, body) = await SendAsync("v1/responses", ChatBody, bearer: WrongKey, xApiKey: null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Incorrect API key provided: sk-proj-******************abcd. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""",
            body);
    }

    [Fact]
    public async Task OpenAI_does_not_read_x_api_key()
    {
        var (response, body) = await SendAsync("v1/chat/completions", ChatBody, bearer: null, xApiKey: RightKey);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.StartsWith("You didn't provide an API key.", JsonShapes.Parse(body).At("error", "message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Glm_with_a_wrong_key_gets_its_token_error()
    {
        var (response, body) = await SendAsync("api/paas/v4/chat/completions", ChatBody, bearer: WrongKey, xApiKey: null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("""{"error":{"code":"401","message":"令牌已过期或验证不正确！"}}""", body);
    }

    [Fact]
    public async Task Glm_anthropic_style_wraps_its_code_in_the_anthropic_envelope()
    {
        var (response, body) = await SendAsync("api/anthropic/v1/messages", AnthropicBody, bearer: WrongKey, xApiKey: null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("""{"type":"error","error":{"type":"authentication_error","code":"401","message":"令牌已过期或验证不正确！"}}""", body);
    }

    [Fact]
    public async Task Malformed_json_to_openai_is_the_documented_could_not_parse_error()
    {
        var (response, body) = await SendAsync("v1/chat/completions", """{"model":"gpt-5",""", RightKey, xApiKey: null);

        Assert.Equal(400, (int)response.StatusCode);
        var error = JsonShapes.Parse(body).GetProperty("error");
        Assert.StartsWith("We could not parse the JSON body of your request.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("code").ValueKind);
    }

    [Fact]
    public async Task Malformed_json_to_anthropic_is_an_invalid_request_error()
    {
        var (response, body) = await SendAsync("v1/messages", "not json", RightKey, xApiKey: null);

        Assert.Equal(400, (int)response.StatusCode);
        var error = JsonShapes.Parse(body);
        Assert.Equal("invalid_request_error", error.At("error", "type").GetString());
        Assert.StartsWith("The request body is not valid JSON", error.At("error", "message").GetString(), StringComparison.Ordinal);
        Assert.Equal(response.Headers.GetValues("request-id").Single(), error.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Malformed_json_to_glm_is_its_parameter_error()
    {
        var (response, body) = await SendAsync("api/paas/v4/chat/completions", "[1,2", RightKey, xApiKey: null);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("1210", JsonShapes.Parse(body).At("error", "code").GetString());
    }

    [Fact]
    public async Task A_body_without_a_model_is_refused_naming_the_field()
    {
        var (response, body) = await SendAsync("v1/messages", """{"max_tokens":5,"messages":[]}""", RightKey, xApiKey: null);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("model: Field required", JsonShapes.Parse(body).At("error", "message").GetString());
    }

    [Fact]
    public async Task Refused_calls_are_not_recorded_as_served()
    {
        await SendAsync("v1/messages", AnthropicBody, bearer: WrongKey, xApiKey: null);
        await SendAsync("v1/messages", "not json", RightKey, xApiKey: null);

        Assert.Empty(Server.Served.Snapshot());
    }

    private async Task<(HttpResponseMessage Response, string Body)> SendAsync(string path, string body, string? bearer, string? xApiKey)
    {
        using var request = SimulatorCalls.Request(Server, path, body, bearer, xApiKey);
        var response = await SimulatorCalls.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }
}
