using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Relay.Users.Payments;

public static class TopUpServices
{
    /// <summary>
    /// Top-up orders, their Alipay payment pages and receipts: <c>Relay:Payments</c> bound and validated on start.
    /// The host registers the Orleans client (IGrainFactory).
    /// </summary>
    public static IServiceCollection AddTopUps(this IServiceCollection services, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddOptions<PaymentsOptions>().Bind(config.GetSection(PaymentsOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentsOptions>, PaymentsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AlipaySigner>();
        services.TryAddSingleton<TopUpOrderNumbers>();
        services.TryAddSingleton<AlipayTopUps>();
        return services;
    }
}
