using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Translation;
using static Relay.EdgeApi.Protocols.WireProtocol;

namespace Relay.Protocols.Tests.Translation;

/// <summary>Requests as Claude Code, Codex and chat apps send them, translated; what cannot be said is refused by name.</summary>
public sealed class RequestTranslationTests
{
    /// <summary>The shape Claude Code 2.1 sends (captured through a logging proxy, texts shortened).</summary>
    private const string ClaudeCodeRequest = """
        {"model":"gpt-5.4","messages":[
          {"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":"Say hello"}]},
          {"role":"system","content":[{"type":"text","text":"# Environment","cache_control":{"type":"ephemeral"}}]},
          {"role":"assistant","content":[{"type":"thinking","thinking":"","signature":"sig"},{"type":"text","text":"Reading."},{"type":"tool_use","id":"toolu_1","name":"Read","input":{"path":"a.txt"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"hello"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]},{"type":"text","text":"go on"}]}],
         "system":[{"type":"text","text":"x-anthropic-billing-header: cc"},{"type":"text","text":"You are a Claude agent.","cache_control":{"type":"ephemeral"}}],
         "tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}},
                  {"name":"Later","description":"Deferred","input_schema":{"type":"object"},"defer_loading":true}],
         "metadata":{"user_id":"{\"device_id\":\"abc\"}"},"max_tokens":32000,
         "thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
         "output_config":{"effort":"high"},"stream":true}
        """;

    /// <summary>The shape Codex 0.171 sends (captured through a logging proxy, texts and most tools shortened).</summary>
    private const string CodexRequest = """
        {"model":"claude-sonnet-4-6","stream":true,"input":[
          {"type":"message","id":"msg_1","role":"developer","content":[{"type":"input_text","text":"You are a coding agent."}]},
          {"type":"message","id":"msg_2","role":"user","content":[{"type":"input_text","text":"Say hello"},{"type":"input_image","image_url":"data:image/png;base64,iVBOR","detail":"auto"}]},
          {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thinking it over"}],"encrypted_content":"relay.anthropic.thinking:SIG"},
          {"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"gAAAA-openai-only"},
          {"type":"function_call","call_id":"call_1","name":"exec_command","arguments":"{\"cmd\":\"ls\"}"},
          {"type":"function_call","call_id":"call_2","namespace":"multi_agent_v1","name":"close_agent","arguments":"{\"target\":\"a\"}"},
          {"type":"function_call_output","call_id":"call_1","output":"a.txt"},
          {"type":"function_call_output","call_id":"call_2","output":"closed"}],
         "tools":[{"type":"function","name":"exec_command","description":"Runs a command","strict":false,"parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}},
                  {"type":"namespace","name":"multi_agent_v1","description":"Sub-agents","tools":[{"type":"function","name":"close_agent","description":"Close","strict":false,"parameters":{"type":"object"}}]}],
         "tool_choice":"auto","parallel_tool_calls":true,"reasoning":{"summary":"auto"},"store":false,"include":["reasoning.encrypted_content"],
         "prompt_cache_key":"k","client_metadata":{"session_id":"s"}}
        """;

    [Fact]
    public void Claude_code_on_an_openai_model_becomes_a_responses_request()
    {
        var body = Translated(AnthropicMessages, OpenAIResponses, ClaudeCodeRequest);

        Assert.Equal("gpt-5.4", (string?)body["model"]);
        Assert.Equal("x-anthropic-billing-header: cc\n\nYou are a Claude agent.", (string?)body["instructions"]);
        Assert.Equal(32000, (long?)body["max_output_tokens"]);
        Assert.Equal(false, (bool?)body["store"]);
        Assert.Equal(true, (bool?)body["stream"]);
        Assert.Equal("high", (string?)body["reasoning"]!["effort"]);
        Assert.Null(body["reasoning"]!["summary"]);
        var input = body["input"]!.AsArray();
        Assert.Equal(
            ["message:user", "message:developer", "message:assistant", "function_call", "function_call_output", "message:user"],
            input.Select(item => (string?)item!["type"] == "message" ? $"message:{item["role"]}" : (string)item["type"]!));
        Assert.Equal("Read", (string?)input[3]!["name"]);
        Assert.Equal("""{"path":"a.txt"}""", (string?)input[3]!["arguments"]);
        var output = input[4]!["output"]!.AsArray();
        Assert.Equal("input_image", (string?)output[1]!["type"]);
        Assert.Equal("data:image/png;base64,iVBOR", (string?)output[1]!["image_url"]);
        var tools = body["tools"]!.AsArray();
        Assert.Equal("Read", (string?)Assert.Single(tools)!["name"]);
    }

    [Fact]
    public void A_failed_tool_result_says_so_upstream_with_or_without_images()
    {
        var request = ClaudeCodeRequest.Replace("""{"type":"tool_result","tool_use_id":"toolu_1",""", """{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,""", StringComparison.Ordinal);

        var responses = Translated(AnthropicMessages, OpenAIResponses, request);
        var chat = Translated(AnthropicMessages, OpenAIChat, request.Replace(
            """,{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}""", "", StringComparison.Ordinal));

        Assert.Equal("Error:", (string?)responses["input"]![4]!["output"]![0]!["text"]);
        Assert.Equal("Error: hello", (string?)chat["messages"]![5]!["content"]);
    }

    [Fact]
    public void A_deferred_tool_is_offered_once_a_tool_reference_loads_it()
    {
        var request = ClaudeCodeRequest.Replace(
            """{"type":"text","text":"hello"}""",
            """{"type":"tool_reference","tool_name":"Later"}""",
            StringComparison.Ordinal);

        var body = Translated(AnthropicMessages, OpenAIResponses, request);

        Assert.Equal(["Read", "Later"], body["tools"]!.AsArray().Select(tool => (string?)tool!["name"]));
    }

    [Fact]
    public void Claude_code_on_an_openai_model_through_chat_keeps_tool_results_before_the_users_words()
    {
        var body = Translated(AnthropicMessages, OpenAIChat, ClaudeCodeRequest.Replace(
            """,{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}""", "", StringComparison.Ordinal));

        var messages = body["messages"]!.AsArray();
        Assert.Equal(["system", "system", "user", "system", "assistant", "tool", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("toolu_1", (string?)messages[4]!["tool_calls"]![0]!["id"]);
        Assert.Equal("hello", (string?)messages[5]!["content"]);
        Assert.Equal("high", (string?)body["reasoning_effort"]);
        Assert.Equal(true, (bool?)body["stream_options"]!["include_usage"]);
        Assert.Equal(32000, (long?)body["max_completion_tokens"]);
    }

    [Fact]
    public void Codex_on_a_claude_model_becomes_a_messages_request()
    {
        var body = Translated(OpenAIResponses, AnthropicMessages, CodexRequest);

        Assert.Equal("claude-sonnet-4-6", (string?)body["model"]);
        Assert.Equal(4096, (long?)body["max_tokens"]);
        Assert.Equal("You are a coding agent.", (string?)body["system"]![0]!["text"]);
        Assert.Null(body["thinking"]);
        var messages = body["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("image", (string?)messages[0]!["content"]![1]!["type"]);
        Assert.Equal("image/png", (string?)messages[0]!["content"]![1]!["source"]!["media_type"]);
        var assistant = messages[1]!["content"]!.AsArray();
        Assert.Equal(["thinking", "tool_use", "tool_use"], assistant.Select(block => (string?)block!["type"]));
        Assert.Equal("SIG", (string?)assistant[0]!["signature"]);
        Assert.Equal("Thinking it over", (string?)assistant[0]!["thinking"]);
        Assert.Equal("multi_agent_v1__close_agent", (string?)assistant[2]!["name"]);
        Assert.Equal("ls", (string?)assistant[1]!["input"]!["cmd"]);
        var results = messages[2]!["content"]!.AsArray();
        Assert.Equal(["call_1", "call_2"], results.Select(block => (string?)block!["tool_use_id"]));
        Assert.Equal(["exec_command", "multi_agent_v1__close_agent"], body["tools"]!.AsArray().Select(tool => (string?)tool!["name"]));
    }

    [Fact]
    public void Codex_with_reasoning_effort_turns_on_claude_thinking_within_the_output_limit()
    {
        var body = Translated(OpenAIResponses, AnthropicMessages, CodexRequest.Replace("\"reasoning\":{\"summary\":\"auto\"}", "\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},\"max_output_tokens\":20000", StringComparison.Ordinal));

        Assert.Equal("enabled", (string?)body["thinking"]!["type"]);
        Assert.Equal(16384, (long?)body["thinking"]!["budget_tokens"]);
        Assert.Equal(20000, (long?)body["max_tokens"]);
    }

    [Fact]
    public void A_chat_request_becomes_messages_with_every_setting()
    {
        var body = Translated(OpenAIChat, AnthropicMessages, """
            {"model":"claude-sonnet-4-6","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_8","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_9","content":"Sunny"},{"role":"tool","tool_call_id":"call_8","content":"noon"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},{"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}],
             "tool_choice":"required","parallel_tool_calls":false,"stop":["END"],"temperature":0.25,"top_p":0.9,"max_completion_tokens":300,
             "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},"user":"u-1","n":1,"stream":false}
            """);

        Assert.Equal("Be brief.", (string?)body["system"]![0]!["text"]);
        Assert.Equal(300, (long?)body["max_tokens"]);
        Assert.Equal("0.25", body["temperature"]!.ToJsonString());
        Assert.Equal("0.9", body["top_p"]!.ToJsonString());
        Assert.Equal("END", (string?)body["stop_sequences"]![0]);
        Assert.Equal("any", (string?)body["tool_choice"]!["type"]);
        Assert.Equal(true, (bool?)body["tool_choice"]!["disable_parallel_tool_use"]);
        Assert.Equal("json_schema", (string?)body["output_config"]!["format"]!["type"]);
        Assert.Equal("u-1", (string?)body["metadata"]!["user_id"]);
        Assert.Equal("url", (string?)body["messages"]![0]!["content"]![1]!["source"]!["type"]);
        Assert.Equal(2, body["messages"]![1]!["content"]!.AsArray().Count);
        Assert.Equal(["tool_result", "tool_result"], body["messages"]![2]!["content"]!.AsArray().Select(b => (string?)b!["type"]));
        Assert.Null(body["stream"]);
    }

    [Fact]
    public void A_responses_request_becomes_chat_for_a_provider_that_has_only_chat()
    {
        var body = Translated(OpenAIResponses, OpenAIChat, CodexRequest);

        var messages = body["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool", "tool"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("image_url", (string?)messages[1]!["content"]![1]!["type"]);
        Assert.Equal("multi_agent_v1__close_agent", (string?)messages[2]!["tool_calls"]![1]!["function"]!["name"]);
        Assert.Equal(true, (bool?)body["parallel_tool_calls"]);
    }

    [Fact]
    public void A_chat_request_becomes_responses_with_its_format_and_effort()
    {
        var body = Translated(OpenAIChat, OpenAIResponses, """
            {"model":"gpt-5.4","messages":[{"role":"developer","content":"Answer in JSON."},{"role":"user","content":"Hi"}],"reasoning_effort":"low","response_format":{"type":"json_object"},"verbosity":"low","max_tokens":50}
            """);

        Assert.Equal("Answer in JSON.", (string?)body["instructions"]);
        Assert.Equal("low", (string?)body["reasoning"]!["effort"]);
        Assert.Equal("json_object", (string?)body["text"]!["format"]!["type"]);
        Assert.Equal("low", (string?)body["text"]!["verbosity"]);
        Assert.Equal(50, (long?)body["max_output_tokens"]);
    }

    [Theory]
    [InlineData(AnthropicMessages, OpenAIResponses, "\"top_k\":5", "top_k")]
    [InlineData(AnthropicMessages, OpenAIResponses, "\"stop_sequences\":[\"x\"]", "stop_sequences")]
    [InlineData(AnthropicMessages, OpenAIChat, "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]", "tools[0].type")]
    [InlineData(AnthropicMessages, OpenAIChat, "\"mcp_servers\":[]", "mcp_servers")]
    [InlineData(AnthropicMessages, OpenAIChat, "\"context_management\":{\"edits\":[{\"type\":\"clear_tool_uses_20250919\"}]}", "context_management.edits[0].type")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"n\":2", "n")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"logprobs\":true", "logprobs")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"seed\":7", "seed")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"presence_penalty\":0.5", "presence_penalty")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    [InlineData(OpenAIChat, AnthropicMessages, "\"verbosity\":\"high\"", "verbosity")]
    [InlineData(OpenAIChat, OpenAIResponses, "\"stop\":\"x\"", "stop")]
    [InlineData(OpenAIResponses, AnthropicMessages, "\"previous_response_id\":\"resp_1\"", "previous_response_id")]
    [InlineData(OpenAIResponses, AnthropicMessages, "\"tools\":[{\"type\":\"web_search\",\"external_web_access\":false}]", "tools[0].type")]
    [InlineData(OpenAIResponses, AnthropicMessages, "\"include\":[\"message.output_text.logprobs\"]", "include[0]")]
    [InlineData(OpenAIResponses, AnthropicMessages, "\"background\":true", "background")]
    public void What_the_upstream_protocol_cannot_say_is_refused_naming_the_field(WireProtocol client, WireProtocol upstream, string field, string named)
    {
        var body = client switch
        {
            AnthropicMessages => $$"""{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"Hi"}],{{field}}}""",
            OpenAIChat => $$"""{"model":"m","messages":[{"role":"user","content":"Hi"}],{{field}}}""",
            _ => $$"""{"model":"m","input":"Hi",{{field}}}""",
        };

        var translation = CallTranslation.Translate(client, upstream, Encoding.UTF8.GetBytes(body), 4096);

        Assert.Null(translation.Call);
        Assert.Equal(named, translation.ProblemField);
        Assert.StartsWith(named + ":", translation.ProblemMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_block_is_refused_by_its_place_in_the_request()
    {
        var translation = CallTranslation.Translate(AnthropicMessages, OpenAIResponses,
            """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"Read"},{"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}]}]}"""u8, 4096);

        Assert.Equal("messages[0].content[1].type", translation.ProblemField);
    }

    [Fact]
    public void Thinking_that_does_not_fit_the_output_limit_is_refused_rather_than_dropped()
    {
        var translation = CallTranslation.Translate(OpenAIChat, AnthropicMessages,
            """{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"high","max_completion_tokens":500}"""u8, 4096);

        Assert.Equal("reasoning_effort", translation.ProblemField);
    }

    private static JsonObject Translated(WireProtocol client, WireProtocol upstream, string request)
    {
        var translation = CallTranslation.Translate(client, upstream, Encoding.UTF8.GetBytes(request), 4096);
        Assert.True(translation.Call is not null, translation.ProblemMessage);
        return JsonNode.Parse(translation.Call!.UpstreamBody.Span)!.AsObject();
    }
}
