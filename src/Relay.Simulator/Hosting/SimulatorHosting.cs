using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Simulator.Alipay;
using Relay.Simulator.Calls;
using Relay.Simulator.Served;

namespace Relay.Simulator.Hosting;

/// <summary>Composition of the simulator, shared by the standalone host and <see cref="SimulatorServer"/>.</summary>
internal static class SimulatorHosting
{
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder, Action<SimulatorOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Kestrel reports the cut-mid-stream fault's deliberate exception as an application error on every cut.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Critical);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new ServedCallLog(services.GetRequiredService<IOptions<SimulatorOptions>>().Value.ServedCapacity));
        builder.Services.AddSingleton<CallHandler>();
        builder.Services.AddAlipayStandIn();
        return builder;
    }

    public static WebApplication UseSimulator(this WebApplication app)
    {
        // Path settings must be read before routing picks an endpoint.
        app.Use(PathSettingsMiddleware.InvokeAsync);
        app.UseRouting();
        app.MapSimulatorApi();
        app.MapAlipayStandIn();
        return app;
    }
}
