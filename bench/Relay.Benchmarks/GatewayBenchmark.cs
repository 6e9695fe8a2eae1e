using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Relay.Benchmarks;

/// <summary>
/// What Relay adds on top of the upstream: the same requests sent to the simulator directly and through an edge
/// and a silo (admission and settlement on), in one run, each Relay figure beside its direct baseline. The
/// simulator, silo and edge run as separate processes (scripts/cluster.sh), so memory is read per process.
/// </summary>
internal static class GatewayBenchmark
{
    private const string FastModel = "claude-sonnet-4-6";
    private const string PacedModel = "claude-opus-4-5";
    private const string HeldModel = "claude-haiku-4-5";
    private const int Accounts = 64;
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] _callBody = Body(FastModel, maxTokens: 12, stream: false);
    private static readonly byte[] _streamBody = Body(PacedModel, maxTokens: 20, stream: true);
    private static readonly byte[] _heldBody = Body(HeldModel, maxTokens: 3, stream: true);

    public static async Task RunAsync(GatewaySettings settings)
    {
        var loadAtStart = LoadAverage();
        var machine = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
        await using var cluster = await LocalCluster.StartAsync(settings.PortBase, ClusterSettings(settings.PortBase));
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
        var direct = new Target(cluster.SimulatorUrl, _ => "sim-anthropic", simulatorHeaders: true);
        var relay = new Target(cluster.EdgeUrl, worker => keys[worker % keys.Length], simulatorHeaders: false);

        Console.Error.WriteLine("warming up");
        for (var i = 0; i < settings.WarmUpCalls; i++)
        {
            await CallAsync(http, direct, 0);
            await CallAsync(http, relay, i);
        }
        // Under load too, until tiered compilation has settled: a profile of the first throughput run found half
        // of the edge's and silo's CPU in the JIT's background thread when warm-up was 300 calls.
        for (var round = 0; round < 3; round++)
        {
            await ThroughputAsync(http, direct, 32, TimeSpan.FromSeconds(3), cluster);
            await ThroughputAsync(http, relay, 32, TimeSpan.FromSeconds(3), cluster);
            await StreamsAsync(http, direct, 64, TimeSpan.FromSeconds(2));
            await StreamsAsync(http, relay, 64, TimeSpan.FromSeconds(2));
        }

        Console.Error.WriteLine("latency at concurrency 1");
        var (directLatency, relayLatency) = await AlternatingLatencyAsync(http, direct, relay, settings.SequentialCalls);
        var hops = await HopLatencyAsync(http, cluster, direct, relay, settings.SequentialCalls / 4);
        Console.Error.WriteLine("grain calls from an Orleans client");
        var probeAccount = await OpenAccountIdAsync(http, cluster);
        await AdminAsync(http, cluster, HttpMethod.Post, $"admin/accounts/{probeAccount}/credits",
            new { amountUsd = 100m, reason = "benchmark", id = Guid.NewGuid().ToString("N") });
        var grainTimes = await GrainProbe.MeasureAsync(cluster, probeAccount, settings.SequentialCalls / 4);

        Console.Error.WriteLine("throughput");
        var throughput = new List<(int Concurrency, Rate Direct, Rate Relay)>();
        foreach (var concurrency in settings.CallConcurrencies)
        {
            throughput.Add((concurrency,
                await ThroughputAsync(http, direct, concurrency, settings.Duration, cluster),
                await ThroughputAsync(http, relay, concurrency, settings.Duration, cluster)));
        }

        var streams = new List<(int Concurrency, StreamRun Direct, StreamRun Relay)>();
        foreach (var concurrency in settings.StreamConcurrencies)
        {
            Console.Error.WriteLine($"streams at {concurrency}");
            streams.Add((concurrency,
                await StreamsAsync(http, direct, concurrency, settings.Duration),
                await StreamsAsync(http, relay, concurrency, settings.Duration)));
        }

        Console.Error.WriteLine($"memory: {settings.HeldStreams} held streams, {settings.ActivatedAccounts} accounts");
        var held = await HeldStreamsAsync(http, relay, cluster, settings.HeldStreams);
        var accounts = await ActivatedAccountsAsync(http, cluster, settings.ActivatedAccounts);

        Print(machine, loadAtStart, settings, directLatency, relayLatency, hops, grainTimes, throughput, streams, held, accounts);
    }

    // ---- the scenarios -----------------------------------------------------------------------------------

    private static async Task<(double[] Direct, double[] Relay)> AlternatingLatencyAsync(HttpClient http, Target direct, Target relay, int calls)
    {
        var directTimes = new double[calls];
        var relayTimes = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            // Alternating call by call keeps both sides under the same machine load as it drifts.
            directTimes[i] = await CallAsync(http, direct, 0) ?? throw new InvalidOperationException("direct call failed");
            relayTimes[i] = await CallAsync(http, relay, i) ?? throw new InvalidOperationException("Relay call failed");
        }
        return (directTimes, relayTimes);
    }

    /// <summary>
    /// Round trips that isolate parts of the added time: the edge's HTTP hop alone; the hop with the key lookup
    /// and request inspection (count_tokens, answered by the edge itself); and direct and Relay calls each made
    /// after a 30 ms pause, so that the previous call's settlement (which the edge posts after the client has its
    /// answer, but before the connection takes the next request) is out of the way.
    /// </summary>
    private static async Task<Hops> HopLatencyAsync(HttpClient http, LocalCluster cluster, Target direct, Target relay, int calls)
    {
        var healthz = new double[calls];
        var countTokens = new double[calls];
        var pausedDirect = new double[calls];
        var pausedRelay = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var response = await http.GetAsync(new Uri(cluster.EdgeUrl, "healthz")))
            {
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
            }
            healthz[i] = clock.Elapsed.TotalMilliseconds;
            using (var request = relay.Request(i, _callBody, stream: false, "v1/messages/count_tokens"))
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
            pausedDirect[i] = await CallAsync(http, direct, 0) ?? throw new InvalidOperationException("direct call failed");
            await Task.Delay(30);
            pausedRelay[i] = await CallAsync(http, relay, i) ?? throw new InvalidOperationException("Relay call failed");
        }
        var streams = Math.Max(1, calls / 10);
        var streamDirect = new double[streams];
        var streamRelay = new double[streams];
        for (var i = 0; i < streams; i++)
        {
            streamDirect[i] = (await StreamAsync(http, direct, 0)).FirstByteMs;
            streamRelay[i] = (await StreamAsync(http, relay, i)).FirstByteMs;
        }
        return new Hops(healthz, countTokens, pausedDirect, pausedRelay, streamDirect, streamRelay);
    }

    private static async Task<Rate> ThroughputAsync(HttpClient http, Target target, int concurrency, TimeSpan duration, LocalCluster cluster)
    {
        var cpu = cluster.Cpu();
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
        return new Rate(ok / clock.Elapsed.TotalSeconds, failed, ok, cluster.Cpu().Minus(cpu));
    }

    private static async Task<StreamRun> StreamsAsync(HttpClient http, Target target, int concurrency, TimeSpan duration)
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
                var outcome = await StreamAsync(http, target, worker);
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
                using var request = relay.Request(worker, _heldBody, stream: true);
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
        using var request = target.Request(worker, _callBody, stream: false);
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

    private static async Task<StreamOutcome> StreamAsync(HttpClient http, Target target, int worker)
    {
        using var request = target.Request(worker, _streamBody, stream: true);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new StreamOutcome(StreamResult.Failed, 0);
            }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[8192];
            var read = await body.ReadAsync(buffer, timeout.Token);
            var firstByte = clock.Elapsed.TotalMilliseconds;
            var tail = new StringBuilder();
            while (read > 0)
            {
                tail.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (tail.Length > 512)
                {
                    tail.Remove(0, tail.Length - 512);
                }
                read = await body.ReadAsync(buffer, timeout.Token);
            }
            return tail.ToString().Contains("message_stop", StringComparison.Ordinal)
                ? new StreamOutcome(StreamResult.Completed, firstByte)
                : new StreamOutcome(StreamResult.Failed, firstByte);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new StreamOutcome(StreamResult.Stalled, 0);
        }
        catch (HttpRequestException)
        {
            return new StreamOutcome(StreamResult.Failed, 0);
        }
        catch (IOException)
        {
            return new StreamOutcome(StreamResult.Failed, 0);
        }
    }

    // ---- set-up ------------------------------------------------------------------------------------------

    /// <summary>
    /// The edge's channels (the same simulator settings the direct calls send as headers, given in the channel's
    /// base path because the edge does not pass x-sim-* headers on) and the simulator's default pacing of 0.
    /// </summary>
    private static Dictionary<string, string> ClusterSettings(int simulatorPort)
    {
        var settings = new Dictionary<string, string> { ["Simulator__EventDelayMs"] = "0" };
        var channels = new (string Name, string Path, string Model)[]
        {
            ("fast", "", FastModel),
            ("paced", "/_event-delay-ms/20/_output-tokens/20", PacedModel),
            ("held", "/_event-delay-ms/30000/_output-tokens/3", HeldModel),
        };
        for (var i = 0; i < channels.Length; i++)
        {
            var (name, path, model) = channels[i];
            settings[$"Relay__Channels__{i}__Name"] = name;
            settings[$"Relay__Channels__{i}__Provider"] = "anthropic";
            settings[$"Relay__Channels__{i}__BaseUrl"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{simulatorPort}{path}");
            settings[$"Relay__Channels__{i}__ApiKey"] = "sim-anthropic";
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
            if (creditUsd > 0m)
            {
                await AdminAsync(http, cluster, HttpMethod.Post, $"admin/accounts/{accountId}/credits",
                    new { amountUsd = creditUsd, reason = "benchmark", id = Guid.NewGuid().ToString("N") });
            }
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
        using var request = Admin(cluster, method, path);
        request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static HttpRequestMessage Admin(LocalCluster cluster, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(cluster.EdgeAdminUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cluster.AdminToken);
        return request;
    }

    private static byte[] Body(string model, int maxTokens, bool stream) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello to the benchmark."}]}"""));

    // ---- report ------------------------------------------------------------------------------------------

    private static void Print(string machine, string loadAtStart, GatewaySettings settings, double[] direct, double[] relay, Hops hops, GrainTimes grains,
        List<(int Concurrency, Rate Direct, Rate Relay)> throughput, List<(int Concurrency, StreamRun Direct, StreamRun Relay)> streams,
        Memory held, Memory accounts)
    {
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"Machine: {machine}; load average at the start {loadAtStart}, at the end {LoadAverage()}");
        w.WriteLine();
        w.WriteLine($"Non-streamed calls at concurrency 1 ({settings.SequentialCalls} each, alternating direct and Relay, after {settings.WarmUpCalls} warm-up calls each and 30 s of warm-up load)");
        w.WriteLine();
        w.WriteLine("| | direct | through Relay | added |");
        w.WriteLine("|---|---:|---:|---:|");
        foreach (var p in new[] { 0.50, 0.90, 0.99 })
        {
            var d = Percentile(direct, p);
            var r = Percentile(relay, p);
            w.WriteLine(Invariant($"| p{p * 100:0} | {d:0.00} ms | {r:0.00} ms | {r - d:+0.00;-0.00} ms |"));
        }
        w.WriteLine(Invariant($"| mean | {direct.Average():0.00} ms | {relay.Average():0.00} ms | {relay.Average() - direct.Average():+0.00;-0.00} ms |"));
        w.WriteLine();
        w.WriteLine($"Parts of the added time, at concurrency 1 ({hops.Healthz.Length} each):");
        w.WriteLine();
        w.WriteLine("| round trip | p50 | p99 |");
        w.WriteLine("|---|---:|---:|");
        w.WriteLine(Invariant($"| edge GET /healthz (HTTP hop only) | {Percentile(hops.Healthz, 0.5):0.00} ms | {Percentile(hops.Healthz, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| edge POST /v1/messages/count_tokens (hop + key lookup + request inspection, no grain, no upstream) | {Percentile(hops.CountTokens, 0.5):0.00} ms | {Percentile(hops.CountTokens, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| account grain GetAsync from an Orleans client in the harness | {Percentile(grains.Read, 0.5):0.00} ms | {Percentile(grains.Read, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| account grain AdmitAsync (the edge awaits it before calling upstream) | {Percentile(grains.Admit, 0.5):0.00} ms | {Percentile(grains.Admit, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| account grain SettleAsync (a committed ledger row; awaited after the answer is sent) | {Percentile(grains.Settle, 0.5):0.00} ms | {Percentile(grains.Settle, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| direct call after a 30 ms pause | {Percentile(hops.PausedDirect, 0.5):0.00} ms | {Percentile(hops.PausedDirect, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| Relay call after a 30 ms pause (previous settlement done) | {Percentile(hops.PausedRelay, 0.5):0.00} ms | {Percentile(hops.PausedRelay, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| one paced stream at a time, direct, time to first byte ({hops.StreamDirect.Length}) | {Percentile(hops.StreamDirect, 0.5):0.00} ms | {Percentile(hops.StreamDirect, 0.99):0.00} ms |"));
        w.WriteLine(Invariant($"| one paced stream at a time, Relay, time to first byte ({hops.StreamRelay.Length}) | {Percentile(hops.StreamRelay, 0.5):0.00} ms | {Percentile(hops.StreamRelay, 0.99):0.00} ms |"));
        w.WriteLine();
        w.WriteLine($"Throughput of non-streamed calls ({settings.Duration.TotalSeconds:0} s each, {Accounts} accounts)");
        w.WriteLine();
        w.WriteLine("| concurrency | direct calls/s | Relay calls/s | Relay / direct | failed (direct / Relay) |");
        w.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var (concurrency, d, r) in throughput)
        {
            w.WriteLine(Invariant($"| {concurrency} | {d.PerSecond:0} | {r.PerSecond:0} | {r.PerSecond / d.PerSecond:0.00}x | {d.Failed} / {r.Failed} |"));
        }
        w.WriteLine();
        w.WriteLine("CPU time per non-streamed call, by process (from /proc/PID/stat over each throughput run)");
        w.WriteLine();
        w.WriteLine("| run | simulator | silo | edge | harness (client) |");
        w.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (concurrency, d, r) in throughput)
        {
            foreach (var (name, rate) in new[] { ("direct", d), ("Relay", r) })
            {
                var n = Math.Max(1, rate.Done);
                w.WriteLine(Invariant($"| {name}, concurrency {concurrency} | {rate.Cpu.Simulator / n:0.000} ms | {rate.Cpu.Silo / n:0.000} ms | {rate.Cpu.Edge / n:0.000} ms | {rate.Cpu.Harness / n:0.000} ms |"));
            }
        }
        w.WriteLine();
        w.WriteLine($"Paced streams: 20 events 20 ms apart, each client re-opening a stream as soon as one ends, for {settings.Duration.TotalSeconds:0} s; time to first byte of the body");
        w.WriteLine();
        w.WriteLine("| concurrent streams | direct TTFB p50 / p99 | Relay TTFB p50 / p99 | added p50 / p99 | streams done (direct / Relay) | failed / stalled (direct) | failed / stalled (Relay) |");
        w.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (concurrency, d, r) in streams)
        {
            var (d50, d99, r50, r99) = (Percentile(d.FirstByteMs, 0.5), Percentile(d.FirstByteMs, 0.99), Percentile(r.FirstByteMs, 0.5), Percentile(r.FirstByteMs, 0.99));
            w.WriteLine(Invariant($"| {concurrency} | {d50:0.00} / {d99:0.00} ms | {r50:0.00} / {r99:0.00} ms | {r50 - d50:+0.00;-0.00} / {r99 - d99:+0.00;-0.00} ms | {d.FirstByteMs.Length} / {r.FirstByteMs.Length} | {d.Failed} / {d.Stalled} | {r.Failed} / {r.Stalled} |"));
        }
        w.WriteLine();
        w.WriteLine("Memory (VmRSS of the process, before and while held; separate processes)");
        w.WriteLine();
        w.WriteLine("| what | count | before | during | per item |");
        w.WriteLine("|---|---:|---:|---:|---:|");
        w.WriteLine(Invariant($"| edge, open streams (first event sent, next one 30 s away) | {held.Count} | {held.Before / 1048576.0:0.0} MiB | {held.After / 1048576.0:0.0} MiB | {held.PerItemKib:0.0} KiB |"));
        w.WriteLine(Invariant($"| silo, accounts opened and active | {accounts.Count} | {accounts.Before / 1048576.0:0.0} MiB | {accounts.After / 1048576.0:0.0} MiB | {accounts.PerItemKib:0.0} KiB |"));
    }

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine shows here.</summary>
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private enum StreamResult
    {
        Completed,
        Failed,
        Stalled,
    }

    private readonly record struct StreamOutcome(StreamResult Result, double FirstByteMs);

    private sealed record StreamRun(double[] FirstByteMs, long Failed, long Stalled, double PerSecond);

    private sealed record Rate(double PerSecond, long Failed, long Done, CpuSample Cpu);

    private sealed record Hops(double[] Healthz, double[] CountTokens, double[] PausedDirect, double[] PausedRelay, double[] StreamDirect, double[] StreamRelay);

    private sealed record Memory(int Count, long Before, long After)
    {
        public double PerItemKib => Count == 0 ? double.NaN : (After - Before) / 1024.0 / Count;
    }

    /// <summary>Where requests go: the simulator itself, or Relay's edge with one of the benchmark's keys.</summary>
    private sealed class Target(Uri baseUrl, Func<int, string> key, bool simulatorHeaders)
    {
        public HttpRequestMessage Request(int worker, byte[] body, bool stream, string path = "v1/messages")
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path)) { Content = content };
            request.Headers.TryAddWithoutValidation("x-api-key", key(worker));
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
            // One device name for every client: the account's 2-device limit is not what is measured.
            request.Headers.TryAddWithoutValidation("x-relay-device", "bench");
            if (simulatorHeaders && stream)
            {
                request.Headers.TryAddWithoutValidation("x-sim-output-tokens", "20");
                request.Headers.TryAddWithoutValidation("x-sim-event-delay-ms", "20");
            }
            return request;
        }
    }
}

/// <summary>The knobs of the gateway scenario.</summary>
internal sealed record GatewaySettings(
    int PortBase,
    int WarmUpCalls,
    int SequentialCalls,
    TimeSpan Duration,
    int[] CallConcurrencies,
    int[] StreamConcurrencies,
    int HeldStreams,
    int ActivatedAccounts);
