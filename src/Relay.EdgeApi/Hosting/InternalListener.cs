using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Relay.EdgeApi.Hosting;

/// <summary>
/// The operator's endpoints (<c>/admin</c>, the Prometheus scrape) live on the edge's internal listener, the local
/// port <c>Relay:InternalPort</c>, in a routing branch of their own: the public listener's routes do not contain
/// them at all, so it answers 404 for them whatever the case of the path or the method, and no path prefix or Host
/// header (both chosen by the client) decides. The branch is taken by the port the connection arrived at. While no
/// internal port is set these endpoints exist nowhere.
/// </summary>
public static partial class InternalListener
{
    public static IServiceCollection AddInternalListener(this IServiceCollection services)
    {
        services.AddHostedService<InternalListenerCheck>();
        return services;
    }

    /// <summary>Maps <paramref name="endpoints"/> for requests that arrived at the internal port only.</summary>
    public static WebApplication MapInternal(this WebApplication app, Action<IEndpointRouteBuilder> endpoints)
    {
        if (app.Services.GetRequiredService<IOptions<RelayOptions>>().Value.InternalPort is not { } port)
        {
            return app;
        }
        // Only requests the public routes did not match take the branch, so those keep the whole pipeline (rate
        // limits included) on the internal port too.
        app.MapWhen(
            context => context.Connection.LocalPort == port && context.GetEndpoint() is null,
            branch =>
            {
                branch.UseRouting();
                branch.UseEndpoints(endpoints);
            });
        return app;
    }

    /// <summary>Says at start when the internal port is set but the edge does not listen on it.</summary>
    private sealed partial class InternalListenerCheck(
        IServer server, IHostApplicationLifetime lifetime, IOptions<RelayOptions> options, ILogger<InternalListenerCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                if (options.Value.InternalPort is not { } port)
                {
                    LogNoInternalPort(logger);
                }
                else if (addresses.Count > 0 && !addresses.Any(address => Uri.TryCreate(address.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) && uri.Port == port))
                {
                    LogNotListening(logger, port, string.Join(", ", addresses));
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(LogLevel.Information, "Relay:InternalPort is not set: /admin and /metrics are not served")]
        private static partial void LogNoInternalPort(ILogger logger);

        [LoggerMessage(LogLevel.Error, "Relay:InternalPort is {Port} but the edge listens only on {Addresses}: /admin and /metrics cannot be reached. Add the port to ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS")]
        private static partial void LogNotListening(ILogger logger, int port, string addresses);
    }
}
