using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Relay.Hosting;

/// <summary>How a host that is not a silo (the edge, the console) joins the cluster as an Orleans client.</summary>
public static class OrleansClientHosting
{
    /// <summary>The Orleans client: Redis membership, cluster and service ids from <c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c>.</summary>
    public static WebApplicationBuilder AddRelayOrleansClient(this WebApplicationBuilder builder)
    {
        builder.UseOrleansClient(client =>
        {
            if (RelayTraces.On(builder.Configuration))
            {
                // A grain call joins the caller's trace: its span here, and the grain's on the silo.
                client.AddActivityPropagation();
            }
            client.UseRedisClustering(_ => { });
            // Read when the client starts, not now, so configuration added later (tests, hosting) applies.
            client.Services.AddOptions<ClusterOptions>().Configure<IConfiguration>((cluster, configuration) =>
            {
                cluster.ClusterId = configuration["Orleans:ClusterId"] ?? "relay";
                cluster.ServiceId = configuration["Orleans:ServiceId"] ?? "relay";
            });
            client.Services.AddOptions<RedisClusteringOptions>().Configure<IConfiguration>((redis, configuration) =>
                redis.ConfigurationOptions = ConfigurationOptions.Parse(
                    configuration.GetConnectionString("Redis") ?? configuration["RELAY_REDIS"] ?? "127.0.0.1:56379"));
        });
        return builder;
    }
}
