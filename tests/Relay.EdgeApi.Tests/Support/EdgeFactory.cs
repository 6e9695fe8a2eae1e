extern alias edge;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Relay.EdgeApi.Calls;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>The real edge (its Program) with the given settings, reporting its settlements to a log.</summary>
internal sealed class EdgeFactory(Dictionary<string, string?> settings, SettlementLog settlements) : WebApplicationFactory<edge::Program>
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
