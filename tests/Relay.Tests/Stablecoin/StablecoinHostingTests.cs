using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Relay.Silo.Hosting;
using Relay.Stablecoin;

namespace Relay.Tests.Stablecoin;

public sealed class StablecoinHostingTests
{
    private static readonly Dictionary<string, string?> Configured = new()
    {
        ["Relay:Payments:Stablecoin:RpcUrl"] = "http://127.0.0.1:8545",
        ["Relay:Payments:Stablecoin:Xpub"] = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
        ["Relay:Payments:Stablecoin:Confirmations"] = "20",
        ["Relay:Payments:Stablecoin:Tokens:0:Symbol"] = "USDT",
        ["Relay:Payments:Stablecoin:Tokens:0:Address"] = "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        ["Relay:Payments:Stablecoin:Tokens:0:Decimals"] = "6",
        ["Relay:Payments:Stablecoin:Tokens:1:Symbol"] = "USDC",
        ["Relay:Payments:Stablecoin:Tokens:1:Address"] = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        ["Relay:Payments:Stablecoin:Tokens:1:Decimals"] = "6",
    };

    [Fact]
    public void A_configured_endpoint_and_xpub_run_the_watcher_with_the_configured_tokens()
    {
        var services = Compose(Configured);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<StablecoinOptions>>().Value;
        Assert.Equal(20, options.Confirmations);
        Assert.Equal(["USDT", "USDC"], options.Tokens.Select(t => t.Symbol));
        Assert.Equal([6, 6], options.Tokens.Select(t => t.Decimals));
        Assert.Single(services, d => d.ImplementationType == typeof(StablecoinWatcherService));
    }

    [Fact]
    public void Without_an_endpoint_no_watcher_runs()
    {
        using var provider = Compose(new Dictionary<string, string?>()).BuildServiceProvider();

        Assert.Empty(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>());
        Assert.Equal(12, provider.GetRequiredService<IOptions<StablecoinOptions>>().Value.Confirmations);
    }

    [Fact]
    public void A_watcher_without_tokens_is_refused_at_start()
    {
        var settings = Configured.Where(p => !p.Key.Contains(":Tokens:", StringComparison.Ordinal)).ToDictionary();
        using var provider = Compose(settings).BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StablecoinOptions>>().Value);
    }

    [Fact]
    public void Known_chains_have_a_floor_of_confirmations_and_a_configured_floor_replaces_it()
    {
        var options = Compose(new Dictionary<string, string?>(Configured) { ["Relay:Payments:Stablecoin:MinConfirmations:56"] = "30" })
            .BuildServiceProvider().GetRequiredService<IOptions<StablecoinOptions>>().Value;

        Assert.Equal(12, options.MinimumConfirmationsFor(1));
        Assert.Equal(128, options.MinimumConfirmationsFor(137));
        Assert.Equal(30, options.MinimumConfirmationsFor(56));
        Assert.Equal(1, options.MinimumConfirmationsFor(31337));
    }

    private static ServiceCollection Compose(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddStablecoinWatcher(configuration);
        return services;
    }
}
