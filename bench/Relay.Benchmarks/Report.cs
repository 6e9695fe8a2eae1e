using System.Globalization;

namespace Relay.Benchmarks;

/// <summary>Prints the gateway scenario's tables (markdown): issue 11's table first, then the details.</summary>
internal sealed class Report(TextWriter w, string machine, string loadAtStart, GatewaySettings settings)
{
    public void Print(
        (Dictionary<string, double[]> Times, CpuUse Cpu, long Commits) sequential,
        Hops hops,
        GrainTimes grains,
        Dictionary<string, double[]> pacedOne,
        Dictionary<string, double[]> slowOne,
        List<(int Concurrency, Dictionary<string, Rate> ByTarget)> throughput,
        List<(int Concurrency, Dictionary<string, StreamRun> ByTarget)> streams,
        Memory held,
        Memory accounts)
    {
        var calls = sequential.Times;
        var direct = calls["direct"];
        var nginx = calls["nginx"];
        var relay = calls["Relay"];
        var c32 = throughput.First(t => t.Concurrency == 32).ByTarget;
        var s256 = streams.First(s => s.Concurrency == 256).ByTarget;
        var s1024 = streams.FirstOrDefault(s => s.Concurrency == 1024).ByTarget;

        w.WriteLine();
        w.WriteLine($"Machine: {machine}; load average at the start {loadAtStart}, at the end {GatewayBenchmark.LoadAverage()}");
        w.WriteLine();
        w.WriteLine("Issue 11's table: direct to the simulator, through nginx (a keep-alive reverse proxy that does nothing) and through Relay, in one interleaved run; "
            + "\"baseline\" is the issue's measurement of main at 16cf63a (another run, another day: compare the ratios).");
        w.WriteLine();
        w.WriteLine("| | direct | nginx | Relay | Relay ÷ nginx | Relay ÷ direct | baseline nginx / Relay | target |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|---|");
        var (n50, n99) = (Added(nginx, direct, 0.5), Added(nginx, direct, 0.99));
        var (r50, r99) = (Added(relay, direct, 0.5), Added(relay, direct, 0.99));
        Row("JSON, concurrency 1: added p50 / p99", "–", I($"+{n50:0.00} / +{n99:0.00} ms"), I($"+{r50:0.00} / +{r99:0.00} ms"),
            I($"{r50 / n50:0.0}x / {r99 / n99:0.0}x"), "–", "+0.25 / +0.54 ms, +6.95 / +17.3 ms", Met(r50 <= 1 && r99 <= 3, "≤ 1 / ≤ 3 ms"));
        var (d1, n1, r1) = (PerSecond(direct), PerSecond(nginx), PerSecond(relay));
        Row("JSON, concurrency 1: calls per second", I($"{d1:N0}"), I($"{n1:N0}"), I($"{r1:N0}"), I($"{r1 / n1:0.00}x"), I($"{r1 / d1:0.00}x"), "2,253, 131 (direct 5,421)", "");
        var (d32, n32, r32) = (c32["direct"].PerSecond, c32["nginx"].PerSecond, c32["Relay"].PerSecond);
        Row("JSON, concurrency 32: calls per second (share of direct)", I($"{d32:N0}"), I($"{n32:N0} ({100 * (n32 / d32):0}%)"), I($"{r32:N0} ({100 * (r32 / d32):0}%)"),
            I($"{r32 / n32:0.00}x"), I($"{r32 / d32:0.00}x"), "8,614 (88%), 1,733 (18%) (direct 9,748)", Met(r32 / d32 >= 0.40, "≥ 40% of direct"));
        var relayCpu32 = c32["Relay"].Cpu.Relay / Math.Max(1, c32["Relay"].Done);
        var nginxCpu32 = c32["nginx"].Cpu["nginx"] / Math.Max(1, c32["nginx"].Done);
        Row("CPU per JSON call at concurrency 32 (nginx; Relay: edge + silo + PostgreSQL)", "–", I($"{nginxCpu32:0.000} ms"), I($"{relayCpu32:0.000} ms"),
            I($"{relayCpu32 / nginxCpu32:0.0}x"), "–", "0.05 ms, 0.80 ms", Met(relayCpu32 <= 0.3, "≤ 0.3 ms"));
        var relayCpu1 = sequential.Cpu.Relay / relay.Length;
        var nginxCpu1 = sequential.Cpu["nginx"] / nginx.Length;
        Row("CPU per JSON call at concurrency 1 (same)", "–", I($"{nginxCpu1:0.000} ms"), I($"{relayCpu1:0.000} ms"),
            I($"{relayCpu1 / nginxCpu1:0.0}x"), "–", "–, about 7 ms", Met(relayCpu1 <= 2 * Math.Max(relayCpu32, 0.3), "≤ 2x the figure at 32"));
        var commits32 = (double)c32["Relay"].Commits / Math.Max(1, c32["Relay"].Done);
        var commits1 = (double)sequential.Commits / relay.Length;
        Row("PostgreSQL transactions per call, concurrency 1 / 32", "–", "–", I($"{commits1:0.00} / {commits32:0.00}"), "–", "–", "–, 5.2", Met(commits32 <= 1.2, "≤ 1.2 at 32"));
        var (pn, pr) = (Added(pacedOne["nginx"], pacedOne["direct"], 0.5), Added(pacedOne["Relay"], pacedOne["direct"], 0.5));
        Row("stream (20 events over 0.4 s), concurrency 1: added time to first byte, p50", "–", I($"+{pn:0.00} ms"), I($"+{pr:0.00} ms"), I($"{pr / pn:0.0}x"), "–", "+0.42 ms, +9.2 ms", "");
        var (sn, sr) = (Added(slowOne["nginx"], slowOne["direct"], 0.5), Added(slowOne["Relay"], slowOne["direct"], 0.5));
        Row($"stream with the first byte {300} ms away, concurrency 1: added time to first byte, p50", "–", I($"+{sn:0.00} ms"), I($"+{sr:0.00} ms"), I($"{sr / sn:0.0}x"), "–", "–", Met(sr <= 0.5, "≤ 0.5 ms"));
        var (sd, snr, srr) = (s256["direct"], s256["nginx"], s256["Relay"]);
        var (n256p50, n256p99) = (Added(snr.FirstByteMs, sd.FirstByteMs, 0.5), Added(snr.FirstByteMs, sd.FirstByteMs, 0.99));
        var (r256p50, r256p99) = (Added(srr.FirstByteMs, sd.FirstByteMs, 0.5), Added(srr.FirstByteMs, sd.FirstByteMs, 0.99));
        Row("256 streams at once: added time to first byte p50 / p99", "–", I($"+{n256p50:0.0} / +{n256p99:0.0} ms"), I($"+{r256p50:0.0} / +{r256p99:0.0} ms"),
            I($"{r256p50 / n256p50:0.0}x / {r256p99 / n256p99:0.0}x"), "–", "+2.3 / +11 ms, +43 / +135 ms", Met(r256p99 <= 20, "p99 ≤ 20 ms"));
        Row("256 streams at once: throughput (share of direct), failed", I($"{sd.PerSecond:N0}/s, {sd.Failed + sd.Stalled}"),
            I($"{100 * (snr.PerSecond / sd.PerSecond):0}%, {snr.Failed + snr.Stalled}"), I($"{100 * (srr.PerSecond / sd.PerSecond):0}%, {srr.Failed + srr.Stalled}"),
            I($"{srr.PerSecond / snr.PerSecond:0.00}x"), I($"{srr.PerSecond / sd.PerSecond:0.00}x"), "94%, 0; 80%, 0", Met(srr.PerSecond / sd.PerSecond >= 0.9, "≥ 90% of direct"));
        if (s1024 is not null)
        {
            var (d, n, r) = (s1024["direct"], s1024["nginx"], s1024["Relay"]);
            Row("1,024 streams at once: throughput (share of direct), failed", I($"{d.PerSecond:N0}/s, {d.Failed + d.Stalled}"),
                I($"{100 * (n.PerSecond / d.PerSecond):0}%, {n.Failed + n.Stalled}"), I($"{100 * (r.PerSecond / d.PerSecond):0}%, {r.Failed + r.Stalled}"),
                I($"{r.PerSecond / n.PerSecond:0.00}x"), I($"{r.PerSecond / d.PerSecond:0.00}x"), "–", Met(r.Failed + r.Stalled == 0, "0 failed"));
        }

        w.WriteLine();
        w.WriteLine($"JSON calls at concurrency 1 ({settings.SequentialCalls} to each target, one to each in turn, after {settings.WarmUpCalls} warm-up calls each and 30 s of warm-up load)");
        w.WriteLine();
        w.WriteLine("| | direct | nginx | Relay | nginx added | Relay added |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var p in new[] { 0.50, 0.90, 0.99 })
        {
            w.WriteLine(I($"| p{p * 100:0} | {Percentile(direct, p):0.00} ms | {Percentile(nginx, p):0.00} ms | {Percentile(relay, p):0.00} ms | {Added(nginx, direct, p):+0.00;-0.00} ms | {Added(relay, direct, p):+0.00;-0.00} ms |"));
        }
        w.WriteLine(I($"| mean | {direct.Average():0.00} ms | {nginx.Average():0.00} ms | {relay.Average():0.00} ms | {nginx.Average() - direct.Average():+0.00;-0.00} ms | {relay.Average() - direct.Average():+0.00;-0.00} ms |"));
        w.WriteLine();
        w.WriteLine($"Parts of Relay's added time, at concurrency 1 ({hops.Healthz.Length} each):");
        w.WriteLine();
        w.WriteLine("| round trip | p50 | p99 |");
        w.WriteLine("|---|---:|---:|");
        Part("edge GET /healthz (HTTP hop only)", hops.Healthz);
        Part("edge POST /v1/messages/count_tokens (hop + key lookup + request inspection, no grain, no upstream)", hops.CountTokens);
        Part("account grain GetAsync from an Orleans client in the harness", grains.Read);
        Part("account grain AdmitAsync from the same client (the decision)", grains.Admit);
        Part("account grain ConfirmReservationAsync right after it (until the reservation has committed)", grains.Confirm);
        Part("account grain SettleAsync from the same client", grains.Settle);
        Part("Relay JSON call after a 30 ms pause", hops.PausedRelay);
        Part("one paced stream at a time, Relay, time to first byte", pacedOne["Relay"]);
        Part($"one stream at a time, first byte {300} ms away: direct", slowOne["direct"]);
        Part($"one stream at a time, first byte {300} ms away: Relay", slowOne["Relay"]);
        w.WriteLine();
        w.WriteLine("CPU per JSON call, by process (/proc/PID/stat over the run; PostgreSQL: the backends of the benchmark's own database)");
        w.WriteLine();
        w.WriteLine("| run | calls/s | simulator | nginx | edge | silo | PostgreSQL | Relay total | harness | PostgreSQL commits per call | failed |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        CpuRow("concurrency 1, all three interleaved (per Relay call; nginx per nginx call)", relay.Length, sequential.Cpu, PerSecond(relay), sequential.Commits, 0, perTarget: true);
        foreach (var (concurrency, rates) in throughput)
        {
            foreach (var (name, rate) in rates)
            {
                CpuRow($"{name}, concurrency {concurrency}", rate.Done, rate.Cpu, rate.PerSecond, name == "Relay" ? rate.Commits : null, rate.Failed, perTarget: false);
            }
        }
        w.WriteLine();
        w.WriteLine($"Paced streams: 20 events 20 ms apart, each client re-opening a stream as soon as one ends, for {settings.Duration.TotalSeconds:0} s; time to first byte of the body");
        w.WriteLine();
        w.WriteLine("| concurrent streams | target | TTFB p50 / p99 | added p50 / p99 | streams/s | share of direct | failed / stalled |");
        w.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var (concurrency, runs) in streams)
        {
            var d = runs["direct"];
            foreach (var (name, r) in runs)
            {
                w.WriteLine(I($"| {concurrency} | {name} | {Percentile(r.FirstByteMs, 0.5):0.00} / {Percentile(r.FirstByteMs, 0.99):0.00} ms | {Added(r.FirstByteMs, d.FirstByteMs, 0.5):+0.00;-0.00} / {Added(r.FirstByteMs, d.FirstByteMs, 0.99):+0.00;-0.00} ms | {r.PerSecond:0} | {100 * (r.PerSecond / d.PerSecond):0}% | {r.Failed} / {r.Stalled} |"));
            }
        }
        w.WriteLine();
        w.WriteLine("Memory (VmRSS of the process, before and while held)");
        w.WriteLine();
        w.WriteLine("| what | count | before | during | per item |");
        w.WriteLine("|---|---:|---:|---:|---:|");
        w.WriteLine(I($"| edge, open streams (first event sent, next one 30 s away) | {held.Count} | {held.Before / 1048576.0:0.0} MiB | {held.After / 1048576.0:0.0} MiB | {held.PerItemKib:0.0} KiB |"));
        w.WriteLine(I($"| silo, accounts opened and active | {accounts.Count} | {accounts.Before / 1048576.0:0.0} MiB | {accounts.After / 1048576.0:0.0} MiB | {accounts.PerItemKib:0.0} KiB |"));
    }

    private void Row(string measure, string direct, string nginx, string relay, string toNginx, string toDirect, string baseline, string target) =>
        w.WriteLine($"| {measure} | {direct} | {nginx} | {relay} | {toNginx} | {toDirect} | {baseline} | {target} |");

    private void Part(string what, double[] times) =>
        w.WriteLine(I($"| {what} | {Percentile(times, 0.5):0.00} ms | {Percentile(times, 0.99):0.00} ms |"));

    private void CpuRow(string run, long calls, CpuUse cpu, double perSecond, long? commits, long failed, bool perTarget)
    {
        var n = Math.Max(1, calls);
        string Ms(string group) => I($"{cpu[group] / n:0.000} ms");
        var commitsPerCall = commits is { } c ? I($"{(double)c / n:0.00}") : "–";
        w.WriteLine(I($"| {run} | {perSecond:0} | {(perTarget ? I($"{cpu["simulator"] / (3 * n):0.000} ms") : Ms("simulator"))} | {Ms("nginx")} | {Ms("edge")} | {Ms("silo")} | {Ms("postgres")} | {cpu.Relay / n:0.000} ms | {(perTarget ? I($"{cpu["harness"] / (3 * n):0.000} ms") : Ms("harness"))} | {commitsPerCall} | {failed} |"));
    }

    private static string Met(bool met, string target) => $"{target}: {(met ? "met" : "not met")}";

    private static double PerSecond(double[] latenciesMs) => 1000.0 / latenciesMs.Average();

    private static double Added(double[] through, double[] direct, double p) => Percentile(through, p) - Percentile(direct, p);

    internal static double Percentile(double[] values, double p)
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

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
