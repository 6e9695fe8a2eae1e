using System.Net;
using System.Net.Sockets;

namespace Relay.Testing;

/// <summary>The PostgreSQL and Redis the tests run against (started by scripts/services.sh), and loopback ports.</summary>
public static class TestServices
{
    public static string Postgres =>
        Environment.GetEnvironmentVariable("RELAY_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";

    public static string Redis => Environment.GetEnvironmentVariable("RELAY_REDIS") ?? "127.0.0.1:56379";

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The folder holding Relay.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Relay.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Relay.sln not found above " + AppContext.BaseDirectory);
    }

    public static string NewAccountId() => "acct_test_" + Guid.NewGuid().ToString("N");
}
