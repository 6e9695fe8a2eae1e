using System.Net.Http.Headers;
using System.Text;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests;

/// <summary>Raw HTTP calls to a running simulator, as a relay would make them.</summary>
internal static class SimulatorCalls
{
    private static readonly HttpClient s_http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        // A client that leaves a stalled stream closes the connection at once instead of draining it.
        MaxResponseDrainSize = 0,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public const string Key = "sk-sim-test-key-0001";

    public static HttpRequestMessage Request(SimulatorServer server, string path, string body, string? bearer = Key, string? xApiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, path.TrimStart('/')))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (xApiKey is not null)
        {
            request.Headers.Add("x-api-key", xApiKey);
        }

        return request;
    }

    public static Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, bool headersOnly = false) =>
        s_http.SendAsync(request, headersOnly ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);

    public static async Task<(HttpResponseMessage Response, string Body)> PostAsync(
        SimulatorServer server, string path, string body, params (string Name, string Value)[] headers)
    {
        using var request = Request(server, path, body);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        var response = await SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static async Task<IReadOnlyList<SseMessage>> StreamAsync(
        SimulatorServer server, string path, string body, params (string Name, string Value)[] headers)
    {
        var (response, text) = await PostAsync(server, path, body, headers);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return SseMessage.Parse(text);
    }
}
