using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Simulator.Hosting;
using Relay.Simulator.Served;

namespace Relay.Simulator.Tests;

/// <summary><c>/_sim/served</c> tells what was served, for the chaos run to compare with what was charged.</summary>
public sealed class ServedRecordTests : SimulatorTest
{
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    protected override void Configure(SimulatorOptions options)
    {
        base.Configure(options);
        options.ServedCapacity = 3;
    }

    [Fact]
    public async Task Served_calls_are_listed_over_http_oldest_first()
    {
        var first = await CallAsync("""{"model":"gpt-5","messages":[]}""");
        var second = await CallAsync("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}""");
        await Server.Served.WaitForAsync(c => c.Id == second);

        var served = await GetServedAsync();

        Assert.Equal([first, second], served.Select(c => c.Id));
        Assert.Equal(["gpt-5", "gpt-4o"], served.Select(c => c.Model));
        Assert.Equal([false, true], served.Select(c => c.Stream));
        Assert.All(served, c => Assert.Equal("/v1/chat/completions", c.Path));
        Assert.All(served, c => Assert.True(c.Completed));
        Assert.All(served, c => Assert.Null(c.Fault));
    }

    [Fact]
    public async Task Delete_forgets_what_was_served()
    {
        var id = await CallAsync("""{"model":"gpt-5","messages":[]}""");
        await Server.Served.WaitForAsync(c => c.Id == id);

        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(Server.BaseUrl, "_sim/served"));
        using var response = await SimulatorCalls.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await GetServedAsync());
    }

    [Fact]
    public async Task The_record_keeps_only_the_latest_calls_up_to_its_capacity()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await CallAsync("""{"model":"gpt-5","messages":[]}"""));
        }

        await Server.Served.WaitForAsync(c => c.Id == ids[^1]);

        Assert.Equal(ids.Skip(2), Server.Served.Snapshot().Select(c => c.Id));
    }

    [Fact]
    public async Task Concurrent_calls_are_all_recorded()
    {
        var server = await SimulatorServer.StartAsync(configure: o => o.EventDelayMs = 0);
        await using (server)
        {
            var calls = Enumerable.Range(0, 40).Select(async _ =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "v1/messages"))
                {
                    Content = new StringContent("""{"model":"m","max_tokens":2,"stream":true,"messages":[]}"""),
                };
                request.Headers.Add("x-api-key", SimulatorCalls.Key);
                using var response = await SimulatorCalls.SendAsync(request);
                return response.Headers.GetValues("x-sim-call-id").Single();
            });
            var ids = await Task.WhenAll(calls);

            foreach (var id in ids)
            {
                await server.Served.WaitForAsync(c => c.Id == id);
            }

            Assert.Equal(40, server.Served.Snapshot().Select(c => c.Id).Distinct().Count());
        }
    }

    private async Task<string> CallAsync(string body)
    {
        var (response, _) = await SimulatorCalls.PostAsync(Server, "v1/chat/completions", body);
        return response.Headers.GetValues("x-sim-call-id").Single();
    }

    private async Task<IReadOnlyList<ServedCall>> GetServedAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.BaseUrl, "_sim/served"));
        using var response = await SimulatorCalls.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<List<ServedCall>>(s_web))!;
    }
}
