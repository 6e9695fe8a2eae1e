using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Users.Identity;

public static class IdentityServices
{
    /// <summary>Password hashing, sign-up and sign-in, API keys; the host registers the Orleans client (IGrainFactory).</summary>
    public static IServiceCollection AddAccountIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher<PasswordOwner>, PasswordHasher<PasswordOwner>>();
        services.TryAddSingleton<Passwords>();
        services.TryAddSingleton<SignUps>();
        services.TryAddSingleton<SignIns>();
        services.TryAddSingleton<Keys.UserKeys>();
        return services;
    }
}
