using System.Net.Http.Headers;
using System.Text.Json;
using Relay.Chaos.Setup;

namespace Relay.Chaos.Load;

/// <summary>
/// Makes one streamed call as an SDK would: sends it to an edge, reads the server-sent events to the end, and
/// remembers the call id the edge gave it, the upstream id the answer carries and whether the terminal event came.
/// </summary>
internal sealed class StreamClient(HttpClient http, IReadOnlyList<Uri> edges)
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(180);

    /// <summary>
    /// Calls through <paramref name="homeEdge"/>; when an edge refuses the connection (it is down), the same request
    /// goes to the next edge as a new call, as a user retrying would do. Never throws for a failed call.
    /// </summary>
    public async Task<ClientCall> CallAsync(int number, int account, string key, string device, int homeEdge, CallPlan plan, CancellationToken cancellation)
    {
        var refused = 0;
        for (var attempt = 0; attempt < edges.Count * 2; attempt++)
        {
            var edge = (homeEdge + attempt) % edges.Count;
            try
            {
                return await SendAsync(number, account, edge, key, device, plan, refused, cancellation);
            }
            catch (HttpRequestException ex) when (Connections.WasRefused(ex))
            {
                refused++;
                if (attempt >= edges.Count - 1)
                {
                    // Every edge refused: both are down at once; give the restart a moment before trying again.
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
                }
            }
        }
        return new ClientCall(number, account, homeEdge, plan, ClientOutcome.NoAnswer, null, null, null, refused, "every edge refused the connection");
    }

    private async Task<ClientCall> SendAsync(int number, int account, int edge, string key, string device, CallPlan plan, int refused, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(s_callTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(edges[edge], plan.Path))
        {
            Content = new ByteArrayContent(plan.Body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("x-relay-device", device);
        if (plan.Protocol == ClientProtocol.AnthropicMessages)
        {
            request.Headers.Add("x-api-key", key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException ex) when (!Connections.WasRefused(ex))
        {
            return new ClientCall(number, account, edge, plan, ClientOutcome.NoAnswer, null, null, null, refused, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new ClientCall(number, account, edge, plan, ClientOutcome.NoAnswer, null, null, null, refused, "no answer within the call timeout");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var callId = response.Headers.TryGetValues("x-relay-call-id", out var ids) ? ids.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode)
            {
                string body;
                try
                {
                    body = await response.Content.ReadAsStringAsync(timeout.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
                {
                    body = ex.Message;
                }
                return new ClientCall(number, account, edge, plan, ClientOutcome.Refused, status, callId, null, refused, body.Length > 200 ? body[..200] : body);
            }

            var seen = new StreamSeen(plan.Protocol);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(timeout.Token) is { } line)
                {
                    seen.Line(line);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                if (cancellation.IsCancellationRequested)
                {
                    throw;
                }
                seen.Broken(ex.Message);
            }
            var outcome = seen.Terminal ? ClientOutcome.Complete : ClientOutcome.Cut;
            return new ClientCall(number, account, edge, plan, outcome, status, callId, seen.UpstreamId, refused, seen.Detail);
        }
    }

    /// <summary>Reads the events of one answer: its upstream id, and whether its terminal event came.</summary>
    private sealed class StreamSeen(ClientProtocol protocol)
    {
        public string? UpstreamId { get; private set; }

        public bool Terminal { get; private set; }

        public string Detail { get; private set; } = "";

        public void Broken(string why) => Detail = Terminal ? Detail : "stream broke: " + why;

        public void Line(string line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                return;
            }
            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]"))
            {
                Terminal |= protocol == ClientProtocol.OpenAIChat;
                return;
            }
            using var json = JsonDocument.Parse(data.ToString());
            var root = json.RootElement;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            switch (protocol)
            {
                case ClientProtocol.AnthropicMessages:
                    if (type == "message_start")
                    {
                        UpstreamId ??= root.GetProperty("message").GetProperty("id").GetString();
                    }
                    else if (type == "message_stop")
                    {
                        Terminal = true;
                    }
                    else if (type == "error")
                    {
                        Detail = "error event: " + root.GetRawText();
                    }
                    break;
                case ClientProtocol.OpenAIChat:
                    if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                    {
                        UpstreamId ??= id.GetString();
                    }
                    else if (root.TryGetProperty("error", out _))
                    {
                        Detail = "error chunk: " + root.GetRawText();
                    }
                    break;
                default:
                    if (root.TryGetProperty("response", out var response) && response.TryGetProperty("id", out var responseId))
                    {
                        UpstreamId ??= responseId.GetString();
                    }
                    if (type == "response.completed")
                    {
                        Terminal = true;
                    }
                    else if (type is "error" or "response.failed")
                    {
                        Detail = "error event: " + root.GetRawText();
                    }
                    break;
            }
        }
    }
}
