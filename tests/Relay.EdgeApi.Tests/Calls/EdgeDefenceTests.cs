extern alias edge;

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using edge::Relay.EdgeApi.Calls;
using Microsoft.Extensions.DependencyInjection;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>
/// What keeps an edge up against callers who send nothing useful: keys checked before bodies are read, failing
/// addresses throttled, the bytes of bodies in flight bounded, token counting capped.
/// </summary>
[Collection(SharedEdge.Name)]
public sealed class EdgeDefenceTests(EdgeHarness harness)
{
    private const int KiB = 1024;

    [Fact]
    public async Task A_body_is_not_waited_for_when_its_key_is_not_a_key()
    {
        // A body that claims almost 2 MiB and sends a few bytes: the refusal comes at once, not when the body ends.
        using var socket = await ConnectAsync(harness.BaseUrl);
        var stream = socket.GetStream();
        await WriteHeadAsync(stream, "/v1/messages", "sk-relay-not-a-key", EdgeHarness.MaxBodyBytes - 1);
        await stream.WriteAsync("""{"model":"claude-sonnet-4-6","""u8.ToArray());

        var status = await ReadStatusAsync(stream, TimeSpan.FromSeconds(3));

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task An_address_that_keeps_failing_its_key_gets_429_even_with_a_live_key_and_others_do_not()
    {
        var (_, key) = await harness.NewAccountAsync(1m);
        await using var edge = StoppableEdge.Start(harness.Silo, harness.Simulator.BaseUrl, new Dictionary<string, string?>
        {
            ["Relay:Network:TrustedProxies:0"] = "127.0.0.1",
            ["Relay:Keys:FailedPermitLimit"] = "3",
            ["Relay:Keys:FailedWindow"] = "00:10:00",
        });
        const string guesser = "203.0.113.7";
        foreach (var bad in new[] { "sk-relay-guess", Keys.ApiKeys.NewKey(), Keys.ApiKeys.NewKey() })
        {
            using var refused = await edge.Http.SendAsync(Messages(bad, guesser));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var anthropic = await edge.Http.SendAsync(Messages(key, guesser));
        using var openAI = await edge.Http.SendAsync(Chat(key, guesser));
        using var other = await edge.Http.SendAsync(Messages(key, "198.51.100.20"));

        Assert.Equal(HttpStatusCode.TooManyRequests, anthropic.StatusCode);
        Assert.InRange(anthropic.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        var anthropicError = (await anthropic.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("error", anthropicError["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_error", anthropicError["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.TooManyRequests, openAI.StatusCode);
        var openAIError = (await openAI.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("rate_limit_exceeded", openAIError["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Trickled_bodies_hold_only_what_they_sent_and_never_more_than_the_edge_allows()
    {
        var (accountId, key) = await harness.NewAccountAsync(5m);
        await using var edge = StoppableEdge.Start(harness.Silo, harness.Simulator.BaseUrl, new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxRequestBodyBytes"] = (1024 * KiB).ToString(CultureInfo.InvariantCulture),
            ["Relay:Limits:MaxBufferedBodyBytes"] = (1024 * KiB).ToString(CultureInfo.InvariantCulture),
        });
        var budget = edge.Services.GetRequiredService<BodyBudget>();

        // Sixteen senders each claim a whole MiB and trickle 20 KiB: were bodies sized by their claim, the
        // first would take the edge's whole allowance. Each holds the 32 KiB its bytes needed.
        var trickles = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                var socket = await ConnectAsync(edge.BaseUrl);
                trickles.Add(socket);
                var stream = socket.GetStream();
                await WriteHeadAsync(stream, "/v1/messages", key, 1024 * KiB);
                await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"model\":\"claude-sonnet-4-6\",\"pad\":\"" + new string('x', 20 * KiB)));
            }
            await EventuallyAsync(() => budget.Held == 16 * 32 * KiB);

            // A whole 600 KiB body would need 512 KiB more than is left while it grows: refused, not queued.
            using var busy = await edge.Http.SendAsync(Messages(key, null, padding: 600 * KiB));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
            Assert.NotNull(busy.Headers.RetryAfter?.Delta);
            Assert.Equal("overloaded_error", (await busy.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["type"]!.GetValue<string>());
            Assert.Equal(16 * 32 * KiB, budget.Held);
        }
        finally
        {
            foreach (var socket in trickles)
            {
                socket.Dispose();
            }
        }

        // The senders gone, their bytes are given back and the same body goes through.
        await EventuallyAsync(() => budget.Held == 0);
        using var served = await edge.Http.SendAsync(Messages(key, null, padding: 600 * KiB));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await edge.Settlements.WaitForAsync(accountId, 1);
        Assert.Equal(0, budget.Held);
    }

    [Fact]
    public async Task Token_counting_is_capped_in_size_and_rate_per_account()
    {
        var (_, key) = await harness.NewAccountAsync(1m);
        var (_, otherKey) = await harness.NewAccountAsync(1m);
        await using var edge = StoppableEdge.Start(harness.Silo, harness.Simulator.BaseUrl, new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxCountTokensBodyBytes"] = "2048",
            ["Relay:Limits:CountTokensPerMinute"] = "2",
        });

        using var tooLarge = await edge.Http.SendAsync(CountTokens(key, padding: 4 * KiB));
        using var counted = await edge.Http.SendAsync(CountTokens(key));
        using var overRate = await edge.Http.SendAsync(CountTokens(key));
        using var others = await edge.Http.SendAsync(CountTokens(otherKey));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, overRate.StatusCode);
        Assert.NotNull(overRate.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_error", (await overRate.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, others.StatusCode);
    }

    [Fact]
    public async Task Token_counting_is_refused_to_a_disabled_or_empty_account_as_its_calls_would_be()
    {
        var (disabledId, disabledKey) = await harness.NewAccountAsync(1m);
        using var disable = EdgeHarness.Admin(HttpMethod.Put, $"admin/accounts/{disabledId}/disabled", new { disabled = true });
        Assert.Equal(HttpStatusCode.NoContent, (await harness.AdminHttp.SendAsync(disable)).StatusCode);
        var (emptyId, emptyKey) = await harness.NewAccountAsync(0m);

        using var disabled = await harness.Http.SendAsync(CountTokens(disabledKey));
        using var empty = await harness.Http.SendAsync(CountTokens(emptyKey));

        Assert.Equal(HttpStatusCode.Forbidden, disabled.StatusCode);
        Assert.Equal("permission_error", (await disabled.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.PaymentRequired, empty.StatusCode);
        Assert.Equal("billing_error", (await empty.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(Usd.Zero, (await harness.AccountAsync(emptyId)).Balance);
    }

    private static HttpRequestMessage Messages(string key, string? forwardedFor, int padding = 0)
    {
        var pad = padding > 0 ? $",\"metadata\":{{\"user_id\":\"{new string('x', padding)}\"}}" : "";
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent($$"""{"model":"claude-sonnet-4-6","max_tokens":10,"messages":[{"role":"user","content":"Hello"}]{{pad}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return request;
    }

    private static HttpRequestMessage Chat(string key, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    private static HttpRequestMessage CountTokens(string key, int padding = 0)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages/count_tokens")
        {
            Content = new StringContent($$"""{"model":"claude-sonnet-4-6","messages":[{"role":"user","content":"Hello{{new string('x', padding)}}"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        return request;
    }

    private static async Task<TcpClient> ConnectAsync(Uri baseUrl)
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, baseUrl.Port);
        return socket;
    }

    private static async Task WriteHeadAsync(NetworkStream stream, string path, string key, long contentLength)
    {
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: {key}\r\nanthropic-version: 2023-06-01\r\n"
            + $"content-type: application/json\r\nContent-Length: {contentLength.ToString(CultureInfo.InvariantCulture)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
    }

    private static async Task<int> ReadStatusAsync(NetworkStream stream, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[12];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            Assert.NotEqual(0, n);
            read += n;
        }
        // "HTTP/1.1 401"
        return int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), CultureInfo.InvariantCulture);
    }

    /// <summary>The server reads and gives back on its own threads, with nothing to await: look until it holds, for a while.</summary>
    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come to hold within 15 seconds.");
            await Task.Delay(20);
        }
    }
}
