using System.Text;
using Microsoft.AspNetCore.Http;
using Relay.EdgeApi.Calls;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Tests.Accounts;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>
/// Which upstream features pass: what Claude Code and Codex send (captured from Claude Code 2.1.197 and Codex 0.171
/// against a local listener), and nothing billed beyond tokens that Relay does not price.
/// </summary>
public sealed class FeaturePolicyTests
{
    /// <summary>Claude Code 2.1.197's anthropic-beta on its default model (claude-opus-4-8 with the 1M window).</summary>
    private const string ClaudeCodeBetas =
        "claude-code-20250219,context-1m-2025-08-07,interleaved-thinking-2025-05-14,thinking-token-count-2026-05-13,context-management-2025-06-27,prompt-caching-scope-2026-01-05,mid-conversation-system-2026-04-07,effort-2025-11-24";

    /// <summary>The shape of Claude Code's main request: its top-level keys, custom tools without a type, and its WebSearch tool's server tool.</summary>
    private const string ClaudeCodeBody =
        """{"model":"claude-opus-4-8","max_tokens":64000,"stream":true,"thinking":{"type":"adaptive"},"output_config":{"effort":"high"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"metadata":{"user_id":"{}"},"system":[{"type":"text","text":"You are Claude Code."}],"tools":[{"name":"Bash","description":"Run","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}},{"name":"Read","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search","max_uses":8}],"messages":[{"role":"user","content":"hi"}]}""";

    /// <summary>The shape of Codex 0.171's request: function and namespace tools, and web search in cached mode.</summary>
    private const string CodexBody =
        """{"model":"gpt-5.2-codex","stream":true,"tool_choice":"auto","parallel_tool_calls":true,"reasoning":{"summary":"auto"},"store":false,"include":["reasoning.encrypted_content"],"prompt_cache_key":"k","instructions":"x","input":[],"tools":[{"type":"function","name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}}}},{"type":"namespace","name":"multi_agent_v1","tools":[]},{"type":"web_search","external_web_access":false}]}""";

    private readonly RelayOptions _options = new();

    [Fact]
    public void Claude_Codes_default_request_passes()
    {
        Assert.Null(Check(WireProtocol.AnthropicMessages, "claude-opus-4-8", ClaudeCodeBody, ("anthropic-beta", ClaudeCodeBetas)));
        // Its title request adds structured outputs.
        Assert.Null(Check(WireProtocol.AnthropicMessages, "claude-opus-4-8", ClaudeCodeBody, ("anthropic-beta", ClaudeCodeBetas + ",structured-outputs-2025-12-15")));
    }

    [Fact]
    public void Codexs_default_request_passes()
    {
        Assert.Null(Check(WireProtocol.OpenAIResponses, "gpt-5.2-codex", CodexBody));
        Assert.Null(Check(WireProtocol.OpenAIResponses, "gpt-5.2-codex", CodexBody, ("OpenAI-Beta", "responses=experimental")));
    }

    [Fact]
    public void The_1M_context_beta_passes_only_on_models_whose_long_prompts_cost_the_standard_price()
    {
        Assert.Null(Check(WireProtocol.AnthropicMessages, "claude-sonnet-4-6", Body("claude-sonnet-4-6"), ("anthropic-beta", "context-1m-2025-08-07")));

        var refusal = Check(WireProtocol.AnthropicMessages, "claude-sonnet-4-5", Body("claude-sonnet-4-5"), ("anthropic-beta", "context-1m-2025-08-07"));

        Assert.NotNull(refusal);
        Assert.Equal("anthropic-beta", refusal.Param);
        Assert.Contains("'context-1m-2025-08-07'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("claude-sonnet-4-5", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_1M_context_beta_passes_on_a_model_whose_long_prompts_the_catalog_prices()
    {
        var price = PerMillion(3m, 15m) with
        {
            Tiers = [new LongContextPrice(200_000, PerMillion(6m, 22.5m))],
        };
        var model = new CatalogModel("claude-sonnet-4-5", "Claude Sonnet 4.5", "anthropic", "claude-sonnet-4-5", price, DateTimeOffset.UnixEpoch);
        var headers = new HeaderDictionary { ["anthropic-beta"] = "context-1m-2025-08-07" };
        var facts = RequestInspector.Inspect(WireProtocol.AnthropicMessages, Encoding.UTF8.GetBytes(Body("claude-sonnet-4-5"))).Facts!;

        Assert.Null(new FeaturePolicy(new FixedOptions<RelayOptions>(_options)).Check(WireProtocol.AnthropicMessages, model, facts, headers));
    }

    [Theory]
    [InlineData("fast-mode-2026-02-01")]
    [InlineData("code-execution-2025-08-25")]
    [InlineData("advisor-tool-2026-03-01")]
    [InlineData("server-side-fallback-2026-06-01")]
    [InlineData("compact-2026-01-12")]
    [InlineData("files-api-2025-04-14")]
    public void A_beta_that_may_bill_beyond_tokens_is_refused_by_name(string beta)
    {
        var refusal = Check(WireProtocol.AnthropicMessages, "claude-opus-4-8", Body("claude-opus-4-8"), ("anthropic-beta", "claude-code-20250219, " + beta));

        Assert.NotNull(refusal);
        Assert.Contains($"'{beta}'", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireProtocol.AnthropicMessages, """{"type":"code_execution_20250825","name":"code_execution"}""", "code_execution_20250825")]
    [InlineData(WireProtocol.AnthropicMessages, """{"type":"advisor_20260301","name":"advisor","model":"claude-opus-4-8"}""", "advisor_20260301")]
    [InlineData(WireProtocol.AnthropicMessages, """{"type":"tool_search_tool_regex_20251119","name":"tool_search"}""", "tool_search_tool_regex_20251119")]
    [InlineData(WireProtocol.OpenAIResponses, """{"type":"code_interpreter","container":{"type":"auto"}}""", "code_interpreter")]
    [InlineData(WireProtocol.OpenAIResponses, """{"type":"image_generation"}""", "image_generation")]
    [InlineData(WireProtocol.OpenAIResponses, """{"type":"file_search","vector_store_ids":["vs_1"]}""", "file_search")]
    [InlineData(WireProtocol.OpenAIResponses, """{"type":"web_search_preview_2025_03_11"}""", "web_search_preview_2025_03_11")]
    public void A_server_tool_Relay_does_not_price_is_refused_by_name(WireProtocol protocol, string tool, string type)
    {
        var body = protocol == WireProtocol.AnthropicMessages
            ? $$"""{"model":"m","max_tokens":10,"tools":[{{tool}}],"messages":[]}"""
            : $$"""{"model":"m","input":"hi","tools":[{{tool}}]}""";

        var refusal = Check(protocol, "m", body);

        Assert.NotNull(refusal);
        Assert.Equal("tools", refusal.Param);
        Assert.Contains($"'{type}'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_tools_and_priced_server_tools_pass()
    {
        const string body = """{"model":"m","max_tokens":10,"tools":[{"type":"bash_20250124","name":"bash"},{"type":"text_editor_20250728","name":"str_replace_based_edit_tool"},{"type":"memory_20250818","name":"memory"},{"type":"web_search_20260209","name":"web_search"},{"type":"web_fetch_20250910","name":"web_fetch"},{"type":"custom","name":"x","input_schema":{}}],"messages":[]}""";

        Assert.Null(Check(WireProtocol.AnthropicMessages, "m", body));
    }

    [Theory]
    [InlineData(WireProtocol.OpenAIChat, "\"service_tier\":\"priority\"", "service_tier", "'priority'")]
    [InlineData(WireProtocol.OpenAIResponses, "\"service_tier\":\"flex\"", "service_tier", "'flex'")]
    [InlineData(WireProtocol.OpenAIResponses, "\"background\":true", "background", "'background'")]
    [InlineData(WireProtocol.OpenAIChat, "\"web_search_options\":{}", "web_search_options", "'web_search_options'")]
    [InlineData(WireProtocol.AnthropicMessages, "\"speed\":\"fast\"", "speed", "'fast'")]
    [InlineData(WireProtocol.AnthropicMessages, "\"inference_geo\":\"us\"", "inference_geo", "'us'")]
    [InlineData(WireProtocol.AnthropicMessages, "\"fallbacks\":[{\"model\":\"claude-opus-4-6\"}]", "fallbacks", "'fallbacks'")]
    [InlineData(WireProtocol.AnthropicMessages, "\"service_tier\":42", "service_tier", "'?'")]
    public void A_pricier_tier_or_unmetered_mode_is_refused_by_name(WireProtocol protocol, string field, string param, string named)
    {
        var body = protocol == WireProtocol.OpenAIResponses
            ? $$"""{"model":"m","input":"hi",{{field}}}"""
            : $$"""{"model":"m","max_tokens":10,"messages":[],{{field}}}""";

        var refusal = Check(protocol, "m", body);

        Assert.NotNull(refusal);
        Assert.Equal(param, refusal.Param);
        Assert.Contains(named, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireProtocol.OpenAIChat, "\"service_tier\":\"auto\"")]
    [InlineData(WireProtocol.OpenAIChat, "\"service_tier\":\"default\"")]
    [InlineData(WireProtocol.AnthropicMessages, "\"service_tier\":\"standard_only\"")]
    [InlineData(WireProtocol.AnthropicMessages, "\"inference_geo\":\"global\"")]
    [InlineData(WireProtocol.AnthropicMessages, "\"speed\":\"standard\"")]
    [InlineData(WireProtocol.OpenAIResponses, "\"background\":false")]
    public void The_standard_tier_and_region_pass(WireProtocol protocol, string field)
    {
        var body = protocol == WireProtocol.OpenAIResponses
            ? $$"""{"model":"m","input":"hi",{{field}}}"""
            : $$"""{"model":"m","max_tokens":10,"messages":[],{{field}}}""";

        Assert.Null(Check(protocol, "m", body));
    }

    [Theory]
    [InlineData(WireProtocol.OpenAIChat, """{"model":"m","messages":[],"tools":[{"type":"web_search","web_search":{"enable":true}}]}""")]
    [InlineData(WireProtocol.AnthropicMessages, """{"model":"m","max_tokens":1,"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""")]
    public void A_web_search_Relay_could_not_count_is_refused(WireProtocol protocol, string body)
    {
        // Zhipu's chat API takes a web_search tool, and its Anthropic-style API answers without Anthropic's search count.
        var inspection = RequestInspector.Inspect(protocol, Encoding.UTF8.GetBytes(body));
        var glm = new CatalogModel("glm-5.1", "glm-5.1", "glm", "glm-5.1", PerMillion(1m, 3m), DateTimeOffset.UnixEpoch);

        var refusal = new FeaturePolicy(new FixedOptions<RelayOptions>(_options)).Check(protocol, glm, inspection.Facts!, new HeaderDictionary());

        Assert.NotNull(refusal);
        Assert.Equal("tools", refusal.Param);
    }

    [Fact]
    public void A_beta_header_of_the_other_protocol_is_checked_too_as_a_translated_call_would_carry_it()
    {
        var refusal = Check(WireProtocol.OpenAIResponses, "claude-opus-4-8", CodexBody, ("anthropic-beta", "fast-mode-2026-02-01"));

        Assert.NotNull(refusal);
        Assert.Equal("anthropic-beta", refusal.Param);
        Assert.NotNull(Check(WireProtocol.AnthropicMessages, "claude-opus-4-8", Body("claude-opus-4-8"), ("OpenAI-Beta", "assistants=v2")));
    }

    [Fact]
    public void An_unknown_OpenAI_beta_is_refused()
    {
        var refusal = Check(WireProtocol.OpenAIResponses, "gpt-5.2-codex", CodexBody, ("OpenAI-Beta", "assistants=v2"));

        Assert.NotNull(refusal);
        Assert.Equal("OpenAI-Beta", refusal.Param);
    }

    [Fact]
    public void An_operators_list_replaces_the_default_and_allows_what_it_names()
    {
        _options.Features.Body = ["tool:code_execution", "speed:fast"];
        _options.Features.AnthropicBetas = ["fast-mode-2026-02-01"];

        Assert.Null(Check(WireProtocol.AnthropicMessages, "m", """{"model":"m","max_tokens":1,"messages":[],"speed":"fast","tools":[{"type":"code_execution_20250825","name":"code_execution"}]}""", ("anthropic-beta", "fast-mode-2026-02-01")));
        // Web search was a default; the operator's list left it out.
        Assert.NotNull(Check(WireProtocol.AnthropicMessages, "m", """{"model":"m","max_tokens":1,"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"""));
        Assert.NotNull(Check(WireProtocol.AnthropicMessages, "m", Body("m"), ("anthropic-beta", "claude-code-20250219")));
    }

    [Fact]
    public void A_web_search_costs_the_configured_price_per_thousand()
    {
        var policy = new FeaturePolicy(new FixedOptions<RelayOptions>(_options));

        Assert.Equal(Usd.Zero, policy.ServerToolCharge(0));
        Assert.Equal(Usd.FromDecimal(0.03m), policy.ServerToolCharge(3));
        _options.Features.WebSearchUsdPerThousand = 9m;
        Assert.Equal(Usd.FromDecimal(0.027m), policy.ServerToolCharge(3));
    }

    private static string Body(string model) => $$"""{"model":"{{model}}","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    private Relay.EdgeApi.Errors.Refusal? Check(WireProtocol protocol, string modelId, string body, params (string Name, string Value)[] headers)
    {
        var inspection = RequestInspector.Inspect(protocol, Encoding.UTF8.GetBytes(body));
        Assert.True(inspection.IsValid, inspection.ProblemMessage);
        var provider = protocol == WireProtocol.AnthropicMessages ? "anthropic" : "openai";
        var model = new CatalogModel(modelId, modelId, provider, modelId, PerMillion(3m, 15m), DateTimeOffset.UnixEpoch);
        var requestHeaders = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            requestHeaders[name] = value;
        }
        return new FeaturePolicy(new FixedOptions<RelayOptions>(_options)).Check(protocol, model, inspection.Facts!, requestHeaders);
    }

    /// <summary>A price with every cache kind at the input rate and reasoning at the output rate, USD per million tokens.</summary>
    private static ModelPrice PerMillion(decimal input, decimal output) => new(
        Usd.FromDecimal(input), Usd.FromDecimal(output), Usd.FromDecimal(input), Usd.FromDecimal(input), Usd.FromDecimal(input), Usd.FromDecimal(output));
}
