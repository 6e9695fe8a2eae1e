using System.Text;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;

namespace Relay.Simulator.Tests;

/// <summary>Faults chosen by a path prefix (a channel's base URL) or by the <c>x-sim-fault</c> header.</summary>
public sealed class FaultTests : SimulatorTest
{
    private const string AnthropicBody = """{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[]}""";
    private const string ChatBody = """{"model":"gpt-5","stream":true,"stream_options":{"include_usage":true},"messages":[]}""";

    // 12 words: message_start, content_block_start, ping, 12 deltas, content_block_stop, message_delta, message_stop.
    private const int AnthropicEvents = 18;

    [Theory]
    [InlineData("v1/messages", "status-500", 500, "api_error")]
    [InlineData("v1/messages", "status-429", 429, "rate_limit_error")]
    [InlineData("v1/messages", "status-503", 503, "api_error")]
    [InlineData("v1/messages", "status-529", 529, "overloaded_error")]
    [InlineData("api/anthropic/v1/messages", "status-529", 529, "overloaded_error")]
    public async Task A_status_fault_on_anthropic_answers_before_the_first_byte_with_an_anthropic_error(
        string path, string fault, int status, string type)
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, $"_fault/{fault}/{path}", AnthropicBody);

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonShapes.Parse(body);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal(type, error.At("error", "type").GetString());
        await AssertRecordedAsync(fault, completed: false, ServedUsage.None);
    }

    [Theory]
    [InlineData("v1/chat/completions", "status-500", 500, "server_error", null)]
    [InlineData("v1/chat/completions", "status-429", 429, "requests", "rate_limit_exceeded")]
    [InlineData("v1/responses", "status-503", 503, "server_error", null)]
    [InlineData("v1/responses", "status-529", 529, "server_error", null)]
    public async Task A_status_fault_on_openai_answers_with_an_openai_error(
        string path, string fault, int status, string type, string? code)
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, $"_fault/{fault}/{path}", ChatBody);

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonShapes.Parse(body).GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, error.GetProperty("param").ValueKind);
        await AssertRecordedAsync(fault, completed: false, ServedUsage.None);
    }

    [Theory]
    [InlineData("status-500", 500, "500")]
    [InlineData("status-429", 429, "1302")]
    [InlineData("status-503", 503, "1312")]
    public async Task A_status_fault_on_glm_answers_with_a_glm_business_code(string fault, int status, string code)
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, $"_fault/{fault}/api/paas/v4/chat/completions", ChatBody);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, JsonShapes.Parse(body).At("error", "code").GetString());
    }

    [Fact]
    public async Task The_fault_header_selects_a_fault_without_a_path_prefix()
    {
        var (response, _) = await SimulatorCalls.PostAsync(Server, "v1/messages", AnthropicBody, (SimulatorHeaders.Fault, Faults.Status429));

        Assert.Equal(429, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_fault_header_wins_over_the_path_prefix()
    {
        var (response, _) = await SimulatorCalls.PostAsync(Server, "_fault/status-500/v1/messages", AnthropicBody, (SimulatorHeaders.Fault, "none"));

        Assert.Equal(200, (int)response.StatusCode);
        await AssertRecordedAsync(fault: null, completed: true, new ServedUsage(InputTokensOf(AnthropicBody), 12, 0, 0, 0, 0));
    }

    [Fact]
    public async Task An_unknown_fault_is_refused_in_the_providers_shape()
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, "v1/messages", AnthropicBody, (SimulatorHeaders.Fault, "status-999"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("invalid_request_error", JsonShapes.Parse(body).At("error", "type").GetString());
        Assert.Equal("unknown simulator fault 'status-999'", JsonShapes.Parse(body).At("error", "message").GetString());
    }

    [Fact]
    public async Task Cut_mid_stream_sends_half_the_events_then_breaks_the_connection()
    {
        using var request = SimulatorCalls.Request(Server, "_fault/cut-mid-stream/v1/messages", AnthropicBody);
        using var response = await SimulatorCalls.SendAsync(request, headersOnly: true);
        var received = new MemoryStream();

        var broken = await Record.ExceptionAsync(async () =>
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.CopyToAsync(received);
        });

        Assert.IsAssignableFrom<IOException>(broken);
        var events = SseMessage.Parse(Encoding.UTF8.GetString(received.ToArray()));
        Assert.Equal(AnthropicEvents / 2, events.Count);
        Assert.DoesNotContain(events, e => e.Event == "message_stop");
        var served = await AssertRecordedAsync(Faults.CutMidStream, completed: false, new ServedUsage(InputTokensOf(AnthropicBody), 12, 0, 0, 0, 0));
        Assert.Contains(served.Id, events[0].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cut_mid_stream_on_a_whole_answer_sends_half_the_body_then_breaks_the_connection()
    {
        const string body = """{"model":"gpt-5","messages":[]}""";
        using var request = SimulatorCalls.Request(Server, "_fault/cut-mid-stream/v1/chat/completions", body);
        using var response = await SimulatorCalls.SendAsync(request, headersOnly: true);

        var received = new MemoryStream();

        var broken = await Record.ExceptionAsync(async () =>
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(received);
        });

        Assert.IsAssignableFrom<IOException>(broken);
        Assert.Equal(response.Content.Headers.ContentLength / 2, received.Length);
        await AssertRecordedAsync(Faults.CutMidStream, completed: false, new ServedUsage(InputTokensOf(body), 12, 0, 0, 0, 0));
    }

    [Fact]
    public async Task Stall_sends_half_the_events_and_holds_the_connection_until_the_client_leaves()
    {
        using var request = SimulatorCalls.Request(Server, "_fault/stall/v1/messages", AnthropicBody);
        var response = await SimulatorCalls.SendAsync(request, headersOnly: true);
        var body = await response.Content.ReadAsStreamAsync();
        var text = await ReadEventsAsync(body, AnthropicEvents / 2);

        Assert.Equal(AnthropicEvents / 2, SseMessage.Parse(text).Count);
        Assert.DoesNotContain(Server.Served.Snapshot(), c => c.Fault == Faults.Stall);

        await body.DisposeAsync();
        response.Dispose();
        await AssertRecordedAsync(Faults.Stall, completed: false, new ServedUsage(InputTokensOf(AnthropicBody), 12, 0, 0, 0, 0));
    }

    [Fact]
    public async Task Stopping_the_simulator_ends_a_stalled_stream()
    {
        var server = await Hosting.SimulatorServer.StartAsync(configure: o => o.EventDelayMs = 0);
        using var request = SimulatorCalls.Request(server, "_fault/stall/v1/messages", AnthropicBody);
        using var response = await SimulatorCalls.SendAsync(request, headersOnly: true);
        await using var body = await response.Content.ReadAsStreamAsync();
        await ReadEventsAsync(body, AnthropicEvents / 2);

        await server.DisposeAsync();

        var served = Assert.Single(server.Served.Snapshot());
        Assert.False(served.Completed);
        await Record.ExceptionAsync(() => body.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task Error_event_on_a_chat_stream_sends_an_error_object_and_no_done()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "_fault/error-event/v1/chat/completions", ChatBody);

        Assert.Equal("server_error", JsonShapes.Parse(events[^1].Data).At("error", "type").GetString());
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        await AssertRecordedAsync(Faults.ErrorEvent, completed: false, new ServedUsage(InputTokensOf(ChatBody), 12, 0, 0, 0, 0));
    }

    [Fact]
    public async Task Error_event_on_a_glm_stream_sends_a_glm_error_object_and_no_done()
    {
        var events = await SimulatorCalls.StreamAsync(Server, "_fault/error-event/api/paas/v4/chat/completions", ChatBody);

        Assert.Equal("500", JsonShapes.Parse(events[^1].Data).At("error", "code").GetString());
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task Error_event_on_a_whole_anthropic_answer_is_an_overloaded_529()
    {
        var (response, body) = await SimulatorCalls.PostAsync(Server, "_fault/error-event/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]}""");

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("overloaded_error", JsonShapes.Parse(body).At("error", "type").GetString());
    }

    private static async Task<string> ReadEventsAsync(Stream body, int count)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (CountEvents(text) < count)
        {
            var read = await body.ReadAsync(buffer);
            Assert.NotEqual(0, read);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>The determinism rule: one input token per started 4 bytes of the UTF-8 body.</summary>
    private static int InputTokensOf(string body) => (Encoding.UTF8.GetByteCount(body) + 3) / 4;

    private static int CountEvents(StringBuilder text) => text.ToString().Split("\n\n").Length - 1;

    private async Task<ServedCall> AssertRecordedAsync(string? fault, bool completed, ServedUsage usage)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var served = await Server.Served.WaitForAsync(_ => true, timeout.Token);
        Assert.Equal(fault, served.Fault);
        Assert.Equal(completed, served.Completed);
        Assert.Equal(usage, served.Usage);
        return served;
    }
}
