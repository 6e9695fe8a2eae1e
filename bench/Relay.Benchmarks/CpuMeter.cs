namespace Relay.Benchmarks;

/// <summary>
/// CPU time by process group (user + system from /proc/PID/stat): the simulator, nginx (master and workers), the
/// edge, the silo, PostgreSQL (the backends serving the benchmark's own database) and the harness itself.
/// </summary>
internal sealed class CpuMeter(LocalCluster cluster, NginxProxy nginx, BenchDatabase database)
{
    public static readonly string[] Groups = ["simulator", "nginx", "edge", "silo", "postgres", "harness"];

    public async Task<CpuReading> ReadAsync()
    {
        var groups = new Dictionary<string, IReadOnlyList<int>>
        {
            ["simulator"] = [cluster.SimulatorPid],
            ["nginx"] = nginx.Pids,
            ["edge"] = [cluster.EdgePid],
            ["silo"] = [cluster.SiloPid],
            ["postgres"] = await database.BackendPidsAsync(),
            ["harness"] = [Environment.ProcessId],
        };
        return new CpuReading(groups.ToDictionary(g => g.Key, g => g.Value.ToDictionary(pid => pid, CpuOf)));
    }

    /// <summary>A process gone since (a closed PostgreSQL connection) reads as nothing.</summary>
    private static double CpuOf(int pid)
    {
        try
        {
            return LocalCluster.CpuMilliseconds(pid);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

/// <summary>CPU milliseconds used so far, by group and process.</summary>
internal sealed record CpuReading(Dictionary<string, Dictionary<int, double>> ByGroup)
{
    /// <summary>CPU milliseconds per group since <paramref name="earlier"/>; a process started since counts from zero.</summary>
    public CpuUse Since(CpuReading earlier) => new(ByGroup.ToDictionary(
        g => g.Key,
        g => g.Value.Sum(p => p.Value - (earlier.ByGroup.GetValueOrDefault(g.Key)?.GetValueOrDefault(p.Key) ?? 0))));
}

/// <summary>CPU milliseconds per process group over one measurement.</summary>
internal sealed record CpuUse(Dictionary<string, double> Milliseconds)
{
    public double this[string group] => Milliseconds.GetValueOrDefault(group);

    /// <summary>Relay's own processes and its database together.</summary>
    public double Relay => this["edge"] + this["silo"] + this["postgres"];
}
