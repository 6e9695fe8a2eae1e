using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Relay.Benchmarks;

/// <summary>
/// Debian's nginx (package nginx-light) as a plain keep-alive reverse proxy in front of the simulator: the cost of
/// a proxy that does nothing, measured beside Relay. Its configuration, logs and pid live in a folder of the
/// benchmark's own; it listens on loopback only and is stopped with the benchmark.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _master;

    private NginxProxy(Process master, Uri url)
    {
        _master = master;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The master and its workers, by pid (workers are the master's children).</summary>
    public IReadOnlyList<int> Pids
    {
        get
        {
            var children = File.ReadAllText($"/proc/{_master.Id}/task/{_master.Id}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(pid => int.Parse(pid, CultureInfo.InvariantCulture));
            return [_master.Id, .. children];
        }
    }

    public static async Task<NginxProxy> StartAsync(string folder, int port, Uri upstream)
    {
        var nginx = (File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : null)
            ?? throw new InvalidOperationException("nginx is not installed: apt-get install -y nginx-light");
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        Directory.CreateDirectory(Path.Combine(folder, "temp"));
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(folder, port, upstream));
        var start = new ProcessStartInfo(nginx) { RedirectStandardError = true };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(folder);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var master = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start");
        var url = new Uri($"http://127.0.0.1:{port}/");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (master.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {master.ExitCode}: {await master.StandardError.ReadToEndAsync()}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return new NginxProxy(master, url);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        master.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"nginx did not listen on {port} within 15 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_master.HasExited)
        {
            // SIGQUIT is nginx's graceful stop; the master then ends its workers.
            _ = Process.Start("kill", ["-QUIT", _master.Id.ToString(CultureInfo.InvariantCulture)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _master.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _master.Kill(entireProcessTree: true);
            }
        }
        _master.Dispose();
    }

    /// <summary>
    /// A plain reverse proxy as an operator would set it up for streaming: HTTP/1.1 with a keep-alive pool to the
    /// upstream, no buffering either way (every event goes on as it comes), no access log, one worker per core.
    /// </summary>
    private static string Config(string folder, int port, Uri upstream) => string.Create(CultureInfo.InvariantCulture, $$"""
        daemon off;
        worker_processes auto;
        pid {{folder}}/nginx.pid;
        error_log {{folder}}/logs/error.log warn;
        events {
            worker_connections 8192;
        }
        http {
            access_log off;
            client_body_temp_path {{folder}}/temp/body;
            proxy_temp_path {{folder}}/temp/proxy;
            client_max_body_size 40m;
            upstream simulator {
                server {{upstream.Host}}:{{upstream.Port}};
                keepalive 512;
                keepalive_requests 1000000;
            }
            server {
                listen 127.0.0.1:{{port}} backlog=4096;
                keepalive_requests 1000000;
                location / {
                    proxy_pass http://simulator;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffering off;
                    proxy_request_buffering off;
                    proxy_read_timeout 3600s;
                }
            }
        }
        """);
}
