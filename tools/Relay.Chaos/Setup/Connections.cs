using System.Net.Sockets;

namespace Relay.Chaos.Setup;

/// <summary>How the run's HTTP clients connect, and how they tell an edge that is down from one that failed.</summary>
internal static class Connections
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        MaxConnectionsPerServer = 256,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>True when nothing listened: the call never reached an edge, so a user would simply try another.</summary>
    public static bool WasRefused(HttpRequestException ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}
