using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Relay.Benchmarks;

/// <summary>
/// What Relay adds on top of the upstream, beside what a proxy that does nothing adds: the same requests sent to
/// the simulator directly, through nginx (a plain keep-alive reverse proxy) and through an edge and a silo
/// (admission, metering and settlement on), in one run, interleaved so the three see the same machine. Each Relay
/// figure is printed beside nginx's and direct's, as ratios, and beside the figures of issue 11 (main at 16cf63a).
/// </summary>
internal static class GatewayBenchmark
{
    private const string JsonModel = "gpt-5.4";
    private const string PacedModel = "claude-opus-4-5";
    private const string SlowModel = "claude-sonnet-4-5";
    private const string HeldModel = "claude-haiku-4-5";
    private const int Accounts = 64;
    private const int SlowFirstByteMs = 300;
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] _jsonBody = Encoding.UTF8.GetBytes(
        $$"""{"model":"{{JsonModel}}","max_completion_tokens":12,"messages":[{"role":"user","content":"Say hello to the benchmark."}]}""");
    private static readonly byte[] _pacedBody = AnthropicBody(PacedModel, maxTokens: 20);
    private static readonly byte[] _slowBody = AnthropicBody(SlowModel, maxTokens: 20);
    private static readonly byte[] _heldBody = AnthropicBody(HeldModel, maxTokens: 3);

    public static async Task RunAsync(GatewaySettings settings)
    {
        var loadAtStart = LoadAverage();
        var machine = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
        await using var database = await BenchDatabase.CreateAsync(settings.Postgres, $"relay_bench_{settings.PortBase}", Path.Combine(LocalCluster.RepositoryRoot(), "deploy", "sql"));
        await using var cluster = await LocalCluster.StartAsync(settings.PortBase, ClusterSettings(settings.PortBase, database.ConnectionString));
        await using var nginx = await NginxProxy.StartAsync(Path.Combine(LocalCluster.RepositoryRoot(), ".relay", "bench-nginx"), settings.PortBase + 90, cluster.SimulatorUrl);
        var cpu = new CpuMeter(cluster, nginx, database);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 4096,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        { Timeout = Timeout.InfiniteTimeSpan };

        var keys = await OpenAccountsAsync(http, cluster, Accounts, creditUsd: 1000m);
        Target[] targets =
        [
            new("direct", cluster.SimulatorUrl, _ => "sim-key", simulatorHeaders: true),
            new("nginx", nginx.Url, _ => "sim-key", simulatorHeaders: true),
            new("Relay", cluster.EdgeUrl, worker => keys[worker % keys.Length], simulatorHeaders: false),
        ];

        Console.Error.WriteLine("warming up");
        for (var i = 0; i < settings.WarmUpCalls; i++)
        {
            foreach (var target in targets)
            {
                await CallAsync(http, target, i);
            }
        }
        // Under load too, until tiered compilation has settled: a profile of a run that warmed up with 300 calls
        // only found half of the edge's and silo's CPU in the JIT's background thread.
        for (var round = 0; round < 3; round++)
        {
            foreach (var target in targets)
            {
                await ThroughputAsync(http, target, 32, TimeSpan.FromSeconds(3));
                await StreamsAsync(http, target, _pacedBody, 64, TimeSpan.FromSeconds(2));
            }
        }

        Console.Error.WriteLine("JSON calls at concurrency 1");
        var sequential = await MeasuredAsync(cpu, database, countCommits: true, () => AlternatingAsync(targets, (target, i) => CallAsync(http, target, i), settings.SequentialCalls));
        var hops = await HopsAsync(http, cluster, targets[2], settings.SequentialCalls / 4);
        Console.Error.WriteLine("grain calls from an Orleans client");
        var probeAccount = await OpenAccountIdAsync(http, cluster);
        await AdminAsync(http, cluster, HttpMethod.Post, $"admin/accounts/{probeAccount}/credits",
            new { amountUsd = 100m, reason = "benchmark", id = Guid.NewGuid().ToString("N") });
        var grainTimes = await GrainProbe.MeasureAsync(cluster, probeAccount, settings.SequentialCalls / 4);

        Console.Error.WriteLine("one stream at a time");
        var pacedOne = await AlternatingAsync(targets, async (target, i) => (await StreamAsync(http, target, _pacedBody, i)).FirstByteMs, settings.SequentialStreams);
        var slowOne = await AlternatingAsync(targets, async (target, i) => (await StreamAsync(http, target, _slowBody, i)).FirstByteMs, settings.SequentialStreams);

        Console.Error.WriteLine("throughput");
        var throughput = new List<(int Concurrency, Dictionary<string, Rate> ByTarget)>();
        foreach (var concurrency in settings.CallConcurrencies)
        {
            var rates = new Dictionary<string, Rate>();
            foreach (var target in targets)
            {
                var (rate, use, commits) = await MeasuredAsync(cpu, database, countCommits: target.Name == "Relay", () => ThroughputAsync(http, target, concurrency, settings.Duration));
                rates[target.Name] = rate with { Cpu = use, Commits = commits };
            }
            throughput.Add((concurrency, rates));
        }

        var streams = new List<(int Concurrency, Dictionary<string, StreamRun> ByTarget)>();
        foreach (var concurrency in settings.StreamConcurrencies)
        {
            Console.Error.WriteLine($"streams at {concurrency}");
            var runs = new Dictionary<string, StreamRun>();
            foreach (var target in targets)
            {
                runs[target.Name] = await StreamsAsync(http, target, _pacedBody, concurrency, settings.Duration);
            }
            streams.Add((concurrency, runs));
        }

        Console.Error.WriteLine($"memory: {settings.HeldStreams} held streams, {settings.ActivatedAccounts} accounts");
        var held = await HeldStreamsAsync(http, targets[2], cluster, settings.HeldStreams);
        var accounts = await ActivatedAccountsAsync(http, cluster, settings.ActivatedAccounts);

        new Report(Console.Out, machine, loadAtStart, settings).Print(sequential, hops, grainTimes, pacedOne, slowOne, throughput, streams, held, accounts);
    }

    // ---- the scenarios -----------------------------------------------------------------------------------

    /// <summary>
    /// Runs a measurement and reads the CPU it took; with <paramref name="countCommits"/> also the PostgreSQL commits,
    /// read once PostgreSQL has published them (so that needs nothing to have touched the database just before).
    /// </summary>
    private static async Task<(T Result, CpuUse Cpu, long Commits)> MeasuredAsync<T>(CpuMeter cpu, BenchDatabase database, bool countCommits, Func<Task<T>> measure)
    {
        if (countCommits)
        {
            await Task.Delay(BenchDatabase.StatisticsDelay);
        }
        var commitsBefore = countCommits ? await database.CommitsAsync() : 0;
        var before = await cpu.ReadAsync();
        var result = await measure();
        var use = (await cpu.ReadAsync()).Since(before);
        if (!countCommits)
        {
            return (result, use, 0);
        }
        await Task.Delay(BenchDatabase.StatisticsDelay);
        return (result, use, await database.CommitsAsync() - commitsBefore);
    }

    /// <summary>One call to each target in turn, <paramref name="calls"/> times: all three see the machine as it drifts.</summary>
    private static async Task<Dictionary<string, double[]>> AlternatingAsync(Target[] targets, Func<Target, int, Task<double?>> call, int calls)
    {
        var times = targets.ToDictionary(t => t.Name, _ => new double[calls]);
        for (var i = 0; i < calls; i++)
        {
            foreach (var target in targets)
            {
                times[target.Name][i] = await call(target, i) ?? throw new InvalidOperationException($"a call to {target.Name} failed");
            }
        }
        return times;
    }

    private static Task<Dictionary<string, double[]>> AlternatingAsync(Target[] targets, Func<Target, int, Task<double>> call, int calls) =>
        AlternatingAsync(targets, async (target, i) => (double?)await call(target, i), calls);

    /// <summary>
    /// Round trips that isolate parts of Relay's added time: the edge's HTTP hop alone; the hop with the key lookup
    /// and request inspection (count_tokens, answered by the edge itself); a Relay call after a 30 ms pause, so that
    /// nothing of the call before it is still running.
    /// </summary>
    private static async Task<Hops> HopsAsync(HttpClient http, LocalCluster cluster, Target relay, int calls)
    {
        var healthz = new double[calls];
        var countTokens = new double[calls];
        var paused = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var response = await http.GetAsync(new Uri(cluster.EdgeUrl, "healthz")))
            {
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
            }
            healthz[i] = clock.Elapsed.TotalMilliseconds;
            using (var request = relay.Request(i, AnthropicBody(PacedModel, 20), "v1/messages/count_tokens"))
            {
                clock.Restart();
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                countTokens[i] = clock.Elapsed.TotalMilliseconds;
            }
        }
        for (var i = 0; i < calls; i++)
        {
            await Task.Delay(30);
            paused[i] = await CallAsync(http, relay, i) ?? throw new InvalidOperationException("Relay call failed");
        }
        return new Hops(healthz, countTokens, paused);
    }

    private static async Task<Rate> ThroughputAsync(HttpClient http, Target target, int concurrency, TimeSpan duration)
    {
        long ok = 0;
        long failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            while (clock.Elapsed < duration)
            {
                if (await CallAsync(http, target, worker) is null)
                {
                    Interlocked.Increment(ref failed);
                }
                else
                {
                    Interlocked.Increment(ref ok);
                }
            }
        }));
        return new Rate(ok / clock.Elapsed.TotalSeconds, failed, ok);
    }

    private static async Task<StreamRun> StreamsAsync(HttpClient http, Target target, byte[] body, int concurrency, TimeSpan duration)
    {
        var ttfb = new List<double>[concurrency];
        long failed = 0;
        long stalled = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = ttfb[worker] = [];
            while (clock.Elapsed < duration)
            {
                var outcome = await StreamAsync(http, target, body, worker);
                switch (outcome.Result)
                {
                    case StreamResult.Completed:
                        mine.Add(outcome.FirstByteMs);
                        break;
                    case StreamResult.Stalled:
                        Interlocked.Increment(ref stalled);
                        break;
                    default:
                        Interlocked.Increment(ref failed);
                        break;
                }
            }
        }));
        var all = ttfb.SelectMany(t => t).ToArray();
        return new StreamRun(all, failed, stalled, all.Length / clock.Elapsed.TotalSeconds);
    }

    /// <summary>Opens streams that send their first event and then pause 30 s, and reads the edge's resident set while they are open.</summary>
    private static async Task<Memory> HeldStreamsAsync(HttpClient http, Target relay, LocalCluster cluster, int count)
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = LocalCluster.ResidentBytes(cluster.EdgePid);
        using var release = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var opened = 0;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streams = Enumerable.Range(0, count).Select(async worker =>
        {
            try
            {
                using var request = relay.Request(worker, _heldBody);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, release.Token);
                await using var body = await response.Content.ReadAsStreamAsync(release.Token);
                var buffer = new byte[4096];
                if (response.IsSuccessStatusCode && await body.ReadAsync(buffer, release.Token) > 0 && Interlocked.Increment(ref opened) == count)
                {
                    allOpen.TrySetResult();
                }
                await Task.Delay(Timeout.Infinite, release.Token);
            }
            catch (OperationCanceledException)
            {
            }
            catch (HttpRequestException)
            {
            }
        }).ToArray();
        await Task.WhenAny(allOpen.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var during = LocalCluster.ResidentBytes(cluster.EdgePid);
        var open = Volatile.Read(ref opened);
        await release.CancelAsync();
        await Task.WhenAll(streams);
        return new Memory(open, before, during);
    }

    /// <summary>Opens accounts through the admin API (each one activates an account grain) and reads the silo's resident set.</summary>
    private static async Task<Memory> ActivatedAccountsAsync(HttpClient http, LocalCluster cluster, int count)
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = LocalCluster.ResidentBytes(cluster.SiloPid);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await OpenAccountIdAsync(http, cluster);
            }
        }));
        await Task.Delay(TimeSpan.FromSeconds(3));
        return new Memory(count, before, LocalCluster.ResidentBytes(cluster.SiloPid));
    }

    // ---- one call, one stream ----------------------------------------------------------------------------

    /// <summary>One non-streamed call; its latency in milliseconds, or null if it failed.</summary>
    private static async Task<double?> CallAsync(HttpClient http, Target target, int worker)
    {
        using var request = target.Request(worker, _jsonBody, "v1/chat/completions");
        var clock = Stopwatch.StartNew();
        try
        {
            using var timeout = new CancellationTokenSource(StreamTimeout);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            return response.StatusCode == HttpStatusCode.OK ? elapsed : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<StreamOutcome> StreamAsync(HttpClient http, Target target, byte[] body, int worker)
    {
        using var request = target.Request(worker, body);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new StreamOutcome(StreamResult.Failed, 0);
            }
            await using var content = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[8192];
            var read = await content.ReadAsync(buffer, timeout.Token);
            var firstByte = clock.Elapsed.TotalMilliseconds;
            var tail = new StringBuilder();
            while (read > 0)
            {
                tail.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (tail.Length > 512)
                {
                    tail.Remove(0, tail.Length - 512);
                }
                read = await content.ReadAsync(buffer, timeout.Token);
            }
            return tail.ToString().Contains("message_stop", StringComparison.Ordinal)
                ? new StreamOutcome(StreamResult.Completed, firstByte)
                : new StreamOutcome(StreamResult.Failed, firstByte);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new StreamOutcome(StreamResult.Stalled, 0);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new StreamOutcome(StreamResult.Failed, 0);
        }
    }

    // ---- set-up ------------------------------------------------------------------------------------------

    /// <summary>
    /// The silo's database, the edge's channels (the simulator settings that direct and nginx calls send as headers,
    /// given in the channel's base path because the edge does not pass x-sim-* headers on) and the simulator's
    /// default pacing of 0.
    /// </summary>
    private static Dictionary<string, string> ClusterSettings(int simulatorPort, string postgres)
    {
        var settings = new Dictionary<string, string>
        {
            ["RELAY_POSTGRES"] = postgres,
            ["Simulator__EventDelayMs"] = "0",
        };
        var channels = new (string Name, string Provider, string Path, string Model)[]
        {
            ("json", "openai", "", JsonModel),
            ("paced", "anthropic", "/_event-delay-ms/20/_output-tokens/20", PacedModel),
            ("slow", "anthropic", $"/_first-byte-delay-ms/{SlowFirstByteMs}/_event-delay-ms/0/_output-tokens/20", SlowModel),
            ("held", "anthropic", "/_event-delay-ms/30000/_output-tokens/3", HeldModel),
        };
        for (var i = 0; i < channels.Length; i++)
        {
            var (name, provider, path, model) = channels[i];
            settings[$"Relay__Channels__{i}__Name"] = name;
            settings[$"Relay__Channels__{i}__Provider"] = provider;
            settings[$"Relay__Channels__{i}__BaseUrl"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{simulatorPort}{path}");
            settings[$"Relay__Channels__{i}__ApiKey"] = "sim-key";
            settings[$"Relay__Channels__{i}__Models__0"] = model;
        }
        return settings;
    }

    private static async Task<string[]> OpenAccountsAsync(HttpClient http, LocalCluster cluster, int count, decimal creditUsd)
    {
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            var accountId = await OpenAccountIdAsync(http, cluster);
            await AdminAsync(http, cluster, HttpMethod.Post, $"admin/accounts/{accountId}/credits",
                new { amountUsd = creditUsd, reason = "benchmark", id = Guid.NewGuid().ToString("N") });
            var key = await AdminAsync(http, cluster, HttpMethod.Post, $"admin/accounts/{accountId}/keys", new { name = "bench" });
            keys[i] = key["key"]!.GetValue<string>();
        }
        return keys;
    }

    private static async Task<string> OpenAccountIdAsync(HttpClient http, LocalCluster cluster)
    {
        var opened = await AdminAsync(http, cluster, HttpMethod.Post, "admin/accounts", new { email = $"{Guid.NewGuid():N}@bench.relay.local" });
        return opened["accountId"]!.GetValue<string>();
    }

    private static async Task<JsonObject> AdminAsync(HttpClient http, LocalCluster cluster, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, new Uri(cluster.EdgeAdminUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cluster.AdminToken);
        request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static byte[] AnthropicBody(string model, int maxTokens) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"stream":true,"messages":[{"role":"user","content":"Say hello to the benchmark."}]}"""));

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine shows here.</summary>
    internal static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    private enum StreamResult
    {
        Completed,
        Failed,
        Stalled,
    }

    private readonly record struct StreamOutcome(StreamResult Result, double FirstByteMs);

    /// <summary>Where requests go: the simulator itself, nginx in front of it, or Relay's edge with one of the benchmark's keys.</summary>
    private sealed class Target(string name, Uri baseUrl, Func<int, string> key, bool simulatorHeaders)
    {
        public string Name => name;

        public HttpRequestMessage Request(int worker, byte[] body, string path = "v1/messages")
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path)) { Content = content };
            request.Headers.TryAddWithoutValidation("x-api-key", key(worker));
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key(worker));
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
            // One device name for every client: the account's 2-device limit is not what is measured.
            request.Headers.TryAddWithoutValidation("x-relay-device", "bench");
            if (simulatorHeaders)
            {
                // What the edge's channels say in their base path.
                var settings = ReferenceEquals(body, _pacedBody) ? [("output-tokens", "20"), ("event-delay-ms", "20")]
                    : ReferenceEquals(body, _slowBody) ? [("output-tokens", "20"), ("event-delay-ms", "0"), ("first-byte-delay-ms", SlowFirstByteMs.ToString(CultureInfo.InvariantCulture))]
                    : ReferenceEquals(body, _heldBody) ? [("output-tokens", "3"), ("event-delay-ms", "30000")]
                    : Array.Empty<(string, string)>();
                foreach (var (setting, value) in settings)
                {
                    request.Headers.TryAddWithoutValidation("x-sim-" + setting, value);
                }
            }
            return request;
        }
    }
}

/// <summary>The knobs of the gateway scenario.</summary>
internal sealed record GatewaySettings(
    string Postgres,
    int PortBase,
    int WarmUpCalls,
    int SequentialCalls,
    int SequentialStreams,
    TimeSpan Duration,
    int[] CallConcurrencies,
    int[] StreamConcurrencies,
    int HeldStreams,
    int ActivatedAccounts);

internal sealed record StreamRun(double[] FirstByteMs, long Failed, long Stalled, double PerSecond);

internal sealed record Rate(double PerSecond, long Failed, long Done)
{
    public CpuUse Cpu { get; init; } = new([]);

    /// <summary>PostgreSQL transactions committed in the benchmark's database during the run.</summary>
    public long Commits { get; init; }
}

internal sealed record Hops(double[] Healthz, double[] CountTokens, double[] PausedRelay);

internal sealed record Memory(int Count, long Before, long After)
{
    public double PerItemKib => Count == 0 ? double.NaN : (After - Before) / 1024.0 / Count;
}
