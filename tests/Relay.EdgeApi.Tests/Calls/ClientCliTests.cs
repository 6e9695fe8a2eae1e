using System.Diagnostics;
using Relay.Accounts;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Calls;

/// <summary>
/// Claude Code and Codex, installed from npm by scripts/clients.sh (pinned versions), each complete a prompt through
/// Relay against the simulator: on a model of the other provider (translated), and on the model it asks for when
/// given no model setting at all. Each runs with an empty home folder, offline but for Relay.
/// </summary>
[Collection(SharedEdge.Name)]
public sealed class ClientCliTests(EdgeHarness edge)
{
    private const string ExpectedText = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12";

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Claude_code_completes_a_prompt_on_an_openai_model()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var output = await RunClaudeAsync(key, "-p", "--model", "gpt-5.4", "Say hello");

        Assert.Contains(ExpectedText, output, StringComparison.Ordinal);
        await AssertChargedAsync(accountId, "gpt-5.4", "/v1/responses");
    }

    [Fact]
    public async Task Claude_code_completes_a_prompt_on_its_default_model_with_no_model_setting()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var output = await RunClaudeAsync(key, "-p", "Say hello");

        Assert.Contains(ExpectedText, output, StringComparison.Ordinal);
        await AssertChargedAsync(accountId, "claude-opus-4-8", "/v1/messages");
    }

    [Fact]
    public async Task Codex_completes_a_prompt_on_a_claude_model()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var output = await RunCodexAsync(key, """
            model = "claude-sonnet-4-6"
            web_search = "disabled"
            """);

        Assert.Contains(ExpectedText, output, StringComparison.Ordinal);
        await AssertChargedAsync(accountId, "claude-sonnet-4-6", "/v1/messages");
    }

    [Fact]
    public async Task Codex_completes_a_prompt_on_its_default_model_with_no_model_setting()
    {
        var (accountId, key) = await edge.NewAccountAsync(5m);

        var output = await RunCodexAsync(key, "");

        Assert.Contains(ExpectedText, output, StringComparison.Ordinal);
        // Codex 0.171.0 asks for the first model of the list it ships.
        await AssertChargedAsync(accountId, "gpt-6.2-sol", "/v1/responses");
    }

    private Task<string> RunClaudeAsync(string key, params string[] arguments) => RunAsync("claude", arguments, new()
    {
        ["ANTHROPIC_BASE_URL"] = edge.BaseUrl.ToString().TrimEnd('/'),
        ["ANTHROPIC_AUTH_TOKEN"] = key,
        ["DISABLE_AUTOUPDATER"] = "1",
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
    });

    private async Task<string> RunCodexAsync(string key, string settings)
    {
        var home = Directory.CreateTempSubdirectory("relay-codex-");
        var config = Path.Combine(home.FullName, ".codex");
        Directory.CreateDirectory(config);
        await File.WriteAllTextAsync(Path.Combine(config, "config.toml"), $"""
            {settings}
            model_provider = "relay"

            [model_providers.relay]
            name = "Relay"
            base_url = "{new Uri(edge.BaseUrl, "v1")}"
            env_key = "RELAY_API_KEY"
            wire_api = "responses"
            """);
        return await RunAsync("codex", ["exec", "--skip-git-repo-check", "Say hello"], new() { ["RELAY_API_KEY"] = key }, home);
    }

    private static async Task<string> RunAsync(string client, string[] arguments, Dictionary<string, string> environment, DirectoryInfo? home = null)
    {
        home ??= Directory.CreateTempSubdirectory($"relay-{client}-");
        var start = new ProcessStartInfo(Path.Combine(ClientsFolder(), "bin", client))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = home.FullName,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Nothing of the machine's own settings: an empty home, no provider keys or URLs.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("ANTHROPIC_", StringComparison.Ordinal) || name.StartsWith("OPENAI_", StringComparison.Ordinal) || name.StartsWith("CODEX_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["HOME"] = home.FullName;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{client} did not finish within {s_timeout}: {await stdout}{await stderr}");
        }
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{client} exited with {process.ExitCode}: {output}");
        return output;
    }

    /// <summary>Where scripts/clients.sh installed the clients (it prints the folder; $RELAY_CLIENTS overrides).</summary>
    private static string ClientsFolder()
    {
        var folder = Environment.GetEnvironmentVariable("RELAY_CLIENTS")
            ?? Path.Combine(Environment.GetEnvironmentVariable("RELAY_STATE_DIR") ?? "/var/tmp/relay", "clients");
        Assert.True(Directory.Exists(Path.Combine(folder, "bin")), $"No clients in {folder}: run bash scripts/clients.sh (scripts/test.sh does).");
        return folder;
    }

    /// <summary>Every call the client made was served on the path and charged the simulator's reported usage at the model's price.</summary>
    private async Task AssertChargedAsync(string accountId, string model, string upstreamPath)
    {
        var settled = await edge.Settlements.WaitForAsync(accountId, 1);
        var price = Prices.Of(model);
        var total = Usd.Zero;
        foreach (var settlement in settled)
        {
            Assert.Equal(model, settlement.Usage.Model);
            Assert.False(settlement.Usage.Estimated);
            var served = await edge.Simulator.Served.WaitForAsync(call => call.Id == settlement.Usage.UpstreamId);
            Assert.Equal(upstreamPath, served.Path);
            var reported = new TokenUsage(served.Usage.InputTokens, served.Usage.OutputTokens - served.Usage.ReasoningTokens, served.Usage.CacheReadTokens,
                served.Usage.CacheWrite5mTokens, served.Usage.CacheWrite1hTokens, served.Usage.ReasoningTokens);
            Assert.Equal(price.Charge(reported), settlement.Usage.Cost);
            total += settlement.Usage.Cost;
        }
        Assert.Equal(Usd.FromDecimal(5m) - total, (await edge.AccountAsync(accountId)).Balance);
    }
}
