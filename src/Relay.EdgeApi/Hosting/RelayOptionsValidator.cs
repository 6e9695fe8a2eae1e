using Microsoft.Extensions.Options;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;

namespace Relay.EdgeApi.Hosting;

/// <summary>Refuses to start with settings that cannot work, including seed models and channels that cannot be priced or called.</summary>
internal sealed class RelayOptionsValidator(IOptions<RelayOptions> relay) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var result = Validate(relay.Value);
        if (result.Failed)
        {
            throw new OptionsValidationException(RelayOptions.Section, typeof(RelayOptions), result.Failures);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static ValidateOptionsResult Validate(RelayOptions options)
    {
        var failures = new List<string>();
        foreach (var (id, model) in options.Models)
        {
            try
            {
                var definition = model.ToDefinition(id);
                if (CatalogRules.ProblemWith(definition) is var (field, problem))
                {
                    failures.Add($"Relay:Models:{id}: {field}: {problem}");
                    continue;
                }
                ModelPrice.From(definition.Pricing);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException)
            {
                failures.Add($"Relay:Models:{id}: {ex.Message}");
            }
        }
        foreach (var channel in options.Channels)
        {
            try
            {
                UpstreamChannel.From(channel.ToKeyed());
                if (CatalogRules.ProblemWithKey(channel.ApiKey) is var (_, problem))
                {
                    failures.Add($"Channel '{channel.Name}': ApiKey: {problem}");
                }
            }
            catch (InvalidOperationException ex)
            {
                failures.Add(ex.Message);
            }
        }
        if (options.Catalog.PollInterval <= TimeSpan.Zero)
        {
            failures.Add("Relay:Catalog:PollInterval must be positive.");
        }
        if (options.Limits.MaxRequestBodyBytes <= 0)
        {
            failures.Add("Relay:Limits:MaxRequestBodyBytes must be positive.");
        }
        if (options.Limits.MaxBufferedBodyBytes < options.Limits.MaxRequestBodyBytes)
        {
            failures.Add("Relay:Limits:MaxBufferedBodyBytes must be at least Relay:Limits:MaxRequestBodyBytes, or the largest allowed body could never be read.");
        }
        if (options.Limits.MaxCountTokensBodyBytes <= 0 || options.Limits.CountTokensPerMinute <= 0)
        {
            failures.Add("Relay:Limits:MaxCountTokensBodyBytes and Relay:Limits:CountTokensPerMinute must be positive.");
        }
        if (options.Keys.FailedPermitLimit <= 0 || options.Keys.FailedWindow <= TimeSpan.Zero || options.Keys.MissCacheFor < TimeSpan.Zero)
        {
            failures.Add("Relay:Keys:FailedPermitLimit and Relay:Keys:FailedWindow must be positive, Relay:Keys:MissCacheFor not negative.");
        }
        try
        {
            if (options.Features.WebSearchUsdPerThousand < 0m)
            {
                failures.Add("Relay:Features:WebSearchUsdPerThousand must not be negative.");
            }
            Money.Usd.FromDecimal(options.Features.WebSearchUsdPerThousand / 1000m);
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException)
        {
            failures.Add($"Relay:Features:WebSearchUsdPerThousand: one search must cost a whole number of nano-dollars ({ex.Message}).");
        }
        if (options.Upstream.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Relay:Upstream:IdleTimeout must be positive.");
        }
        if (options.Shutdown.DrainTimeout < TimeSpan.Zero || options.Shutdown.SettleTimeout < TimeSpan.Zero)
        {
            failures.Add("Relay:Shutdown:DrainTimeout and Relay:Shutdown:SettleTimeout must not be negative.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
