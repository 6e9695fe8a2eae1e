using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Relay.EdgeApi.Tests.Support;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>The requests Claude Code and Codex send reach the upstream byte for byte, but for the model name.</summary>
[Collection(SharedEdge.Name)]
public sealed class ClientShapeTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_Claude_Code_request_reaches_the_upstream_byte_identical_except_the_model()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var body = ClaudeCodeBody("capture-claude-latest");
        Assert.InRange(body.Length, 100_000, 200_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages?beta=true") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14");

        using var response = await edge.Http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CapturingUpstream.AnthropicAnswer, answer);
        var settled = Assert.Single(await edge.Settlements.WaitForAsync(accountId, 1));
        var captured = Assert.Single(edge.Capture.Requests, r => r.Body.Length > 100_000 && r.Path == "/v1/messages");
        Assert.Equal(ClaudeCodeBody("claude-sonnet-4-5-20250929"), captured.Body);
        Assert.Equal("upstream-key-capture-anthropic", captured.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", captured.Headers["anthropic-version"]);
        Assert.Equal("claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14", captured.Headers["anthropic-beta"]);
        Assert.False(captured.Headers.ContainsKey("authorization"));
        Assert.Equal(100, settled.Usage.Tokens.InputTokens);
        Assert.Equal(5, settled.Usage.Tokens.OutputTokens);
    }

    [Fact]
    public async Task A_Codex_request_reaches_the_upstream_byte_identical_except_the_model()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);
        var body = CodexBody("capture-codex-latest");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await edge.Settlements.WaitForAsync(accountId, 1);
        var captured = Assert.Single(edge.Capture.Requests, r => r.Path == "/v1/responses" && Encoding.UTF8.GetString(r.Body).Contains("019a7c2e", StringComparison.Ordinal));
        Assert.Equal(CodexBody("gpt-5.2-codex"), captured.Body);
        Assert.Equal("Bearer upstream-key-capture-openai", captured.Headers["authorization"]);
    }

    /// <summary>
    /// Claude Code's shape: system blocks with cache_control, system-reminders inside the user message, many
    /// tools with JSON schemas, extended thinking, metadata.user_id as a string, escapes a re-serializer would change.
    /// </summary>
    private static byte[] ClaudeCodeBody(string model)
    {
        var tools = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            if (i > 0)
            {
                tools.Append(',');
            }
            tools.Append($$$$"""{"name":"Tool{{{{i}}}}","description":"{{{{Description(i)}}}}","input_schema":{"type":"object","properties":{"file_path":{"type":"string","description":"The absolute path to the file \u2014 never relative"},"limit":{"type":"number"},"flags":{"type":"array","items":{"type":"string","enum":["a","b"]}}},"required":["file_path"],"additionalProperties":false,"$schema":"http:\/\/json-schema.org\/draft-07\/schema#"}}""");
        }
        var json = $$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# claudeMd\nCodebase and user instructions are shown below.\n</system-reminder>\n"},{"type":"text","text":"Fix the failing test in src/\u00e9t\u00e9.ts","cache_control":{"type":"ephemeral"}}]}],"temperature":1,"system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"You are an interactive CLI tool that helps users with software engineering tasks.","cache_control":{"type":"ephemeral","ttl":"1h"}}],"tools":[{{{tools}}}],"metadata":{"user_id":"user_2f9c0e2c8a7b4d1e9f3a6b5c4d3e2f1a_account_7d3c0a2e-1b4f-4c3d-9e8f-0a1b2c3d4e5f_session_5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"},"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999},"stream":false}""";
        return Encoding.UTF8.GetBytes(json);
    }

    private static string Description(int i) =>
        $"Tool number {i}. " + string.Concat(Enumerable.Repeat("Reads a file from the local filesystem; \\\"quotes\\\" and\\nnewlines stay as sent. ", 28));

    /// <summary>Codex's shape: developer messages in input, function, custom and web_search tools, include, prompt_cache_key.</summary>
    private static byte[] CodexBody(string model) => Encoding.UTF8.GetBytes(
        $$$"""{"model":"{{{model}}}","instructions":"You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer.","input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"<permissions instructions>\nFilesystem sandboxing: workspace-write.\n</permissions instructions>"}]},{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/home/me/project</cwd>\n  <shell>bash</shell>\n</environment_context>"}]},{"type":"message","role":"user","content":[{"type":"input_text","text":"Rename Foo to Bar"}]}],"tools":[{"type":"function","name":"shell_command","description":"Runs a shell command and returns its output.","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"string","description":"The shell script to execute"},"workdir":{"type":"string"},"timeout_ms":{"type":"number"}},"required":["command"],"additionalProperties":false}},{"type":"custom","name":"apply_patch","description":"Use the `apply_patch` tool to edit files.","format":{"type":"grammar","syntax":"lark","definition":"start: begin_patch hunk+ end_patch\nbegin_patch: \"*** Begin Patch\" LF\n"}},{"type":"web_search"}],"tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"},"store":false,"stream":false,"include":["reasoning.encrypted_content"],"prompt_cache_key":"019a7c2e-5d4f-7b21-9a3c-0e8f1d2c3b4a"}""");
}
