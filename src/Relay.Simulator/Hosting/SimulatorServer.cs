using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Relay.Simulator.Alipay;
using Relay.Simulator.Served;

namespace Relay.Simulator.Hosting;

/// <summary>The simulator running in-process on 127.0.0.1, for tests and benchmarks.</summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Served = app.Services.GetRequiredService<ServedCallLog>();
        AlipayTrades = app.Services.GetRequiredService<AlipayTradeBook>();
    }

    /// <summary>The root URL, for example <c>http://127.0.0.1:41234/</c>; append <c>v1/messages</c> and so on.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every call answered so far, as <c>GET /_sim/served</c> shows it.</summary>
    public ServedCallLog Served { get; }

    /// <summary>What the Alipay stand-in's buyer paid and every notification it delivered, as <c>GET /_sim/alipay/trades</c> shows it.</summary>
    public AlipayTradeBook AlipayTrades { get; }

    /// <summary>The stand-in's page-pay gateway, the <c>Relay:Payments:Alipay:GatewayUrl</c> of an edge that pays through it.</summary>
    public Uri AlipayGatewayUrl => new(BaseUrl, "alipay/gateway.do");

    /// <summary>
    /// Starts Kestrel on 127.0.0.1:<paramref name="port"/> (0 picks a free port). <paramref name="clock"/> replaces the
    /// system clock (the Alipay stand-in's retry schedule follows it; so does call pacing).
    /// </summary>
    public static async Task<SimulatorServer> StartAsync(int port = 0, Action<SimulatorOptions>? configure = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorServer).Assembly.GetName().Name,
        });
        // Embedded, the simulator is configured by the caller alone, never by the host's appsettings or environment.
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSimulator(configure);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        var app = builder.Build();
        app.UseSimulator();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        return new SimulatorServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The URL a channel would use to get <paramref name="fault"/> on every call, e.g. <c>.../_fault/stall/</c>.</summary>
    public Uri WithFault(string fault) => WithSettings(("fault", fault));

    /// <summary>
    /// A base URL that applies <c>x-sim-*</c> settings to every call made under it; each name is the header name
    /// without <c>x-sim-</c>, e.g. <c>WithSettings(("event-delay-ms", "50"), ("output-tokens", "200"))</c>.
    /// </summary>
    public Uri WithSettings(params (string Name, string Value)[] settings) =>
        new(BaseUrl, string.Concat(settings.Select(s => $"_{s.Name}/{Uri.EscapeDataString(s.Value)}/")));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
