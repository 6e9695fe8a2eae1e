using System.Diagnostics;
using System.Globalization;

namespace Relay.Tests.Support;

/// <summary>
/// A Relay silo as its own operating-system process (the built Relay.Silo.dll run by `dotnet`), so that a
/// test can kill it with SIGKILL exactly as a crash would.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, int siloPort, int gatewayPort, Uri health)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Health = health;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri Health { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<SiloProcess> StartAsync(
        string clusterId, string serviceId, TimeSpan readyWithin, IReadOnlyDictionary<string, string>? environment = null)
    {
        int siloPort = TestServices.FreePort(), gatewayPort = TestServices.FreePort(), httpPort = TestServices.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Relay.Silo.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__Postgres"] = TestServices.Postgres;
        start.Environment["ConnectionStrings__Redis"] = TestServices.Redis;
        start.Environment["Orleans__ClusterId"] = clusterId;
        start.Environment["Orleans__ServiceId"] = serviceId;
        start.Environment["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var silo = new SiloProcess(process, siloPort, gatewayPort, new Uri($"http://127.0.0.1:{httpPort}/healthz"));
        await silo.WaitHealthyAsync(readyWithin);
        return silo;
    }

    /// <summary>SIGKILL: no shutdown, no flush, nothing the silo can do about it.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// SIGTERM, as an orchestrator stops a container: the silo shuts down gracefully (hands its grains over,
    /// leaves the membership) and exits. Completes when the process has exited.
    /// </summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start"))
        {
            await signal.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }

    private async Task WaitHealthyAsync(TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo exited with {_process.ExitCode} before it was healthy");
            }
            try
            {
                if ((await http.GetAsync(Health)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy starting to answer within the probe's timeout.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"silo on {Health} not healthy within {within}");
    }
}
