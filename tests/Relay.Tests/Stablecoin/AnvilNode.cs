using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relay.Tests.Stablecoin;

/// <summary>
/// A real local EVM node (anvil, installed by scripts/evm-node.sh) on a free loopback port with its own chain id,
/// mining only when told (each transfer is mined into its own block), with the JSON-RPC calls the tests need: deploy the test token, send transfers, mine, snapshot and revert.
/// </summary>
internal sealed class AnvilNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private string? _funded;

    private AnvilNode(Process process, string rpcUrl, long chainId)
    {
        _process = process;
        RpcUrl = rpcUrl;
        ChainId = chainId;
        _http = new HttpClient { BaseAddress = new Uri(rpcUrl) };
    }

    public string RpcUrl { get; }

    public long ChainId { get; }

    public static async Task<AnvilNode> StartAsync()
    {
        var binary = Environment.GetEnvironmentVariable("RELAY_ANVIL")
            ?? Path.Combine(Environment.GetEnvironmentVariable("RELAY_STATE_DIR") ?? "/var/tmp/relay",
                "evm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"No anvil at {binary}: run scripts/evm-node.sh first (or set RELAY_ANVIL).");
        }
        var port = TestServices.FreePort();
        var chainId = Random.Shared.NextInt64(1_000_000, 4_000_000_000);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--chain-id", chainId.ToString(CultureInfo.InvariantCulture), "--accounts", "2", "--no-mining" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("anvil did not start.");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("anvil exited before listening."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new AnvilNode(process, $"http://127.0.0.1:{port}", chainId);
    }

    /// <summary>Deploys the 6-decimal test token (source beside its bytecode in Token/) and returns its address.</summary>
    public async Task<string> DeployTokenAsync(BigInteger supply)
    {
        var bytecode = File.ReadAllText(Path.Combine(TestServices.RepositoryRoot(), "tests/Relay.Tests/Stablecoin/Token/TestToken.bin")).Trim();
        var hash = await SendAsync(new JsonObject { ["from"] = await FundedAsync(), ["data"] = "0x" + bytecode + Word(supply) });
        var receipt = await ReceiptAsync(hash);
        return receipt.GetProperty("contractAddress").GetString()!;
    }

    /// <summary>Sends <paramref name="units"/> of the token from the funded dev account; returns the transaction hash once mined.</summary>
    public async Task<string> TransferAsync(string token, string to, BigInteger units)
    {
        var data = "0xa9059cbb" + Word(BigInteger.Parse("0" + to[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)) + Word(units);
        var hash = await SendAsync(new JsonObject { ["from"] = await FundedAsync(), ["to"] = token, ["data"] = data });
        var receipt = await ReceiptAsync(hash);
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        return hash;
    }

    public async Task MineAsync(int blocks) => await CallAsync("anvil_mine", new JsonArray("0x" + blocks.ToString("x", CultureInfo.InvariantCulture)));

    public async Task<long> HeadAsync() => Quantity(await CallAsync("eth_blockNumber", []));

    public async Task<string> SnapshotAsync() => (await CallAsync("evm_snapshot", [])).GetString()!;

    public async Task RevertAsync(string snapshot) => Assert.True((await CallAsync("evm_revert", new JsonArray(snapshot))).GetBoolean());

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private async Task<string> FundedAsync() =>
        _funded ??= (await CallAsync("eth_accounts", []))[0].GetString()!;

    private async Task<string> SendAsync(JsonObject transaction) =>
        (await CallAsync("eth_sendTransaction", new JsonArray(transaction))).GetString()!;

    private async Task<JsonElement> ReceiptAsync(string hash)
    {
        // Mining is manual (anvil's automine answers the send before the block exists): mine the one block that holds it.
        await MineAsync(1);
        var receipt = await CallAsync("eth_getTransactionReceipt", new JsonArray(hash));
        Assert.Equal(JsonValueKind.Object, receipt.ValueKind);
        return receipt;
    }

    private async Task<JsonElement> CallAsync(string method, JsonArray parameters)
    {
        using var response = await _http.PostAsJsonAsync("", new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = method,
            ["params"] = parameters,
        });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method}: {error}");
        }
        return body.GetProperty("result").Clone();
    }

    private static long Quantity(JsonElement hex) => long.Parse(hex.GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string Word(BigInteger value) => value.ToString("x64", CultureInfo.InvariantCulture)[^64..];
}
