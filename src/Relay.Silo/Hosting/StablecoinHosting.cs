using Relay.Stablecoin;

namespace Relay.Silo.Hosting;

/// <summary>Stablecoin top-ups: the chain watcher that credits USDT/USDC transfers to deposit addresses.</summary>
public static class StablecoinHosting
{
    /// <summary>
    /// Binds <c>Relay:Payments:Stablecoin</c> and, when it names an RPC endpoint and an xpub, runs the watcher in
    /// the silo. Every silo may run it: crediting is exactly once per transfer however many watchers scan.
    /// </summary>
    public static IServiceCollection AddStablecoinWatcher(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StablecoinOptions>()
            .BindConfiguration(StablecoinOptions.Section)
            .Validate(o => !o.Enabled || (o.Confirmations >= 1 && o.MaxBlockRange >= 1 && o.Tokens.Count > 0
                && o.Tokens.All(t => t.Address.Length == 42 && t.Decimals is >= 0 and <= 77)),
                $"{StablecoinOptions.Section} needs Confirmations >= 1, MaxBlockRange >= 1 and tokens with 0x addresses.")
            .ValidateOnStart();
        var options = configuration.GetSection(StablecoinOptions.Section).Get<StablecoinOptions>();
        if (options?.Enabled == true)
        {
            services.AddSingleton<StablecoinWatcher>();
            services.AddHostedService<StablecoinWatcherService>();
        }
        return services;
    }
}
