using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Relay.Simulator.Tests;

/// <summary>The simulator runs as its own process, configured from the environment, as the quick start runs it.</summary>
public sealed partial class StandaloneHostTests
{
    [Fact]
    public async Task The_standalone_host_listens_where_told_and_takes_its_keys_from_configuration()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Relay.Simulator.dll"), "--urls", "http://127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Simulator__ApiKeys__0"] = "sk-standalone", ["Simulator__EventDelayMs"] = "0" },
        };
        using var process = Process.Start(start)!;
        try
        {
            var baseUrl = await ListeningUrlAsync(process);
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
            const string body = """{"model":"claude-sonnet-4-5","max_tokens":2,"messages":[]}""";

            using var refused = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body) };
            refused.Headers.Add("x-api-key", "sk-other");
            using var admitted = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body) };
            admitted.Headers.Add("x-api-key", "sk-standalone");

            Assert.Equal(401, (int)(await http.SendAsync(refused)).StatusCode);
            var answer = await http.SendAsync(admitted);
            Assert.Equal(200, (int)answer.StatusCode);
            Assert.Equal("w1 w2", JsonShapes.Parse(await answer.Content.ReadAsStringAsync()).GetProperty("content")[0].GetProperty("text").GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<string> ListeningUrlAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = ListeningOn().Match(line);
            if (match.Success)
            {
                return match.Groups["url"].Value;
            }
        }

        throw new InvalidOperationException("the simulator exited before listening: " + await process.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    private static partial Regex ListeningOn();
}
