extern alias console;
extern alias edge;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using edge::Relay.EdgeApi.Calls;

namespace Relay.Console.Tests.Support;

/// <summary>The real console (its Program) with the given settings.</summary>
internal sealed class ConsoleApp(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<console::Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // Blazor's and MudBlazor's scripts and styles come from the build's static web assets manifest, which a
        // Production host reads only when published.
        builder.UseStaticWebAssets();
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>The real edge (its Program) with the given settings.</summary>
internal sealed class EdgeApp(IReadOnlyDictionary<string, string?> settings, Settlements settlements) : WebApplicationFactory<edge::Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<ISettlementObserver>();
            services.AddSingleton<ISettlementObserver>(settlements);
        });
    }
}
