using System.Diagnostics;
using System.Globalization;

namespace Relay.Benchmarks;

/// <summary>
/// A simulator, one silo and one edge as separate processes, started and stopped with <c>scripts/cluster.sh</c>,
/// so that each process's memory can be read on its own from /proc.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(6);

    private readonly string _root;
    private readonly Dictionary<string, string> _environment;

    private LocalCluster(string root, Dictionary<string, string> environment, IReadOnlyDictionary<string, string> state)
    {
        _root = root;
        _environment = environment;
        AdminToken = state["ADMIN_TOKEN"];
        ClusterId = state["CLUSTER_ID"];
        ServiceId = state["SERVICE_ID"];
        Redis = state["REDIS"];
        SimulatorUrl = new Uri($"http://127.0.0.1:{state["SIM_PORT"]}/");
        EdgeUrl = new Uri($"http://127.0.0.1:{state["EDGE_1_HTTP_PORT"]}/");
        EdgeAdminUrl = new Uri($"http://127.0.0.1:{state["EDGE_1_ADMIN_PORT"]}/");
        SimulatorPid = int.Parse(state["SIM_PID"], CultureInfo.InvariantCulture);
        SiloPid = int.Parse(state["SILO_1_PID"], CultureInfo.InvariantCulture);
        EdgePid = int.Parse(state["EDGE_1_PID"], CultureInfo.InvariantCulture);
    }

    public string AdminToken { get; }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public string Redis { get; }

    public Uri SimulatorUrl { get; }

    public Uri EdgeUrl { get; }

    /// <summary>The edge's internal listener: the admin API and metrics.</summary>
    public Uri EdgeAdminUrl { get; }

    public int SimulatorPid { get; }

    public int SiloPid { get; }

    public int EdgePid { get; }

    /// <summary>Starts the cluster with the given settings added to every process's environment.</summary>
    public static async Task<LocalCluster> StartAsync(int portBase, IReadOnlyDictionary<string, string> settings)
    {
        var root = RepositoryRoot();
        var environment = new Dictionary<string, string>(settings)
        {
            ["RELAY_CLUSTER_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture),
            ["RELAY_CLUSTER_ID"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            // A service of its own, so the catalog is empty and the run's channels (given in settings) seed it: the
            // catalog is kept in the database per service, and an earlier run's simulator had another port.
            ["RELAY_SERVICE_ID"] = "relay-bench-" + Guid.NewGuid().ToString("N")[..8],
            ["RELAY_ADMIN_TOKEN"] = Guid.NewGuid().ToString("N"),
        };
        var state = Path.Combine(root, ".relay", "cluster.env");
        if (File.Exists(state))
        {
            throw new InvalidOperationException($"{state} exists: a cluster of this worktree may be running; run scripts/cluster.sh stop");
        }
        try
        {
            await RunScriptAsync(root, environment, "start", "--silos", "1", "--edges", "1");
            return new LocalCluster(root, environment, ReadState(state));
        }
        catch
        {
            await RunScriptAsync(root, environment, "stop");
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await RunScriptAsync(_root, _environment, "stop");

    /// <summary>The resident set of a process in bytes (VmRSS of /proc/PID/status).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for pid {pid}");
    }

    /// <summary>CPU time a process has used so far (user + system, from /proc/PID/stat), in milliseconds.</summary>
    public static double CpuMilliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces; utime and stime are the 14th and 15th fields.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1000.0 / ClockTicksPerSecond;
    }

    // USER_HZ is 100 on Linux on every architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    private static async Task RunScriptAsync(string root, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(root, "scripts", "cluster.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var script = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = script.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        await script.WaitForExitAsync(timeout.Token);
        Console.Error.Write(await output);
        if (script.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/cluster.sh {string.Join(' ', args)} exited with {script.ExitCode}");
        }
    }

    private static Dictionary<string, string> ReadState(string path)
    {
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || equals < 0)
            {
                continue;
            }
            state[line[..equals]] = line[(equals + 1)..];
        }
        return state;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "cluster.sh")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the repository: scripts/cluster.sh not found above the current directory");
    }
}
