using System.Text;
using Relay.EdgeApi.Protocols;

namespace Relay.Protocols.Tests;

/// <summary>What a request may be billed for beyond tokens, as the inspector names it; web searches as the meters count them.</summary>
public sealed class BillableFeatureTests
{
    [Fact]
    public void The_inspector_names_server_tools_tiers_and_modes()
    {
        const string Body = """{"model":"m","max_tokens":10,"service_tier":"priority","speed":"fast","inference_geo":"us","background":true,"container":"c_1","fallbacks":[],"mcp_servers":[],"web_search_options":{},"tools":[{"name":"Bash","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"},{"type":"code_execution_20250825","name":"code_execution"}],"messages":[]}""";

        var facts = RequestInspector.Inspect(WireProtocol.AnthropicMessages, Encoding.UTF8.GetBytes(Body)).Facts!;

        Assert.Equal(
            ["service_tier:priority", "speed:fast", "inference_geo:us", "background", "container", "fallbacks", "mcp_servers", "web_search_options", "tool:web_search_20250305", "tool:code_execution_20250825"],
            facts.Features);
    }

    [Fact]
    public void Absent_null_and_false_features_are_not_named()
    {
        const string Body = """{"model":"m","input":"hi","service_tier":null,"background":false,"tools":[],"container":null}""";

        var facts = RequestInspector.Inspect(WireProtocol.OpenAIResponses, Encoding.UTF8.GetBytes(Body)).Facts!;

        Assert.Empty(facts.Features);
    }

    [Fact]
    public void A_type_inside_a_tools_schema_is_not_a_tool_type()
    {
        const string Body = """{"model":"m","max_tokens":10,"tools":[{"name":"x","input_schema":{"type":"object","properties":{"type":{"type":"string"}}}}],"messages":[]}""";

        var facts = RequestInspector.Inspect(WireProtocol.AnthropicMessages, Encoding.UTF8.GetBytes(Body)).Facts!;

        Assert.Empty(facts.Features);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void A_responses_stream_counts_each_completed_web_search(int chunkSize)
    {
        var stream = string.Join("", new[]
        {
            Event("response.created", """{"type":"response.created","response":{"id":"resp_1","model":"gpt-5.2-codex","status":"in_progress","output":[]}}"""),
            Event("response.web_search_call.in_progress", """{"type":"response.web_search_call.in_progress","item_id":"ws_1","output_index":0}"""),
            Event("response.web_search_call.completed", """{"type":"response.web_search_call.completed","item_id":"ws_1","output_index":0}"""),
            Event("response.web_search_call.completed", """{"type":"response.web_search_call.completed","item_id":"ws_2","output_index":1}"""),
            Event("response.output_text.delta", """{"type":"response.output_text.delta","delta":"I searched for \"web_search_call\""}"""),
            Event("response.completed", """{"type":"response.completed","response":{"id":"resp_1","model":"gpt-5.2-codex","status":"completed","output":[{"type":"web_search_call","id":"ws_1"},{"type":"web_search_call","id":"ws_2"}],"usage":{"input_tokens":10,"output_tokens":2,"total_tokens":12}}}"""),
        });

        var (_, result) = StreamFeeding.Feed(WireProtocol.OpenAIResponses, Encoding.UTF8.GetBytes(stream), chunkSize);

        Assert.Equal(2, result.WebSearchRequests);
    }

    [Fact]
    public void A_whole_responses_answer_counts_its_web_search_calls_but_not_text_that_names_them()
    {
        const string Body = """{"id":"resp_1","object":"response","status":"completed","output":[{"type":"web_search_call","id":"ws_1","status":"completed"},{"type": "web_search_call","id":"ws_2"},{"type":"message","content":[{"type":"output_text","text":"\"web_search_call\" is what I did"}]}],"usage":{"input_tokens":10,"output_tokens":2,"total_tokens":12}}""";

        var result = ResponseMeters.Read(WireProtocol.OpenAIResponses, Encoding.UTF8.GetBytes(Body));

        Assert.Equal(2, result.WebSearchRequests);
    }

    private static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";
}
