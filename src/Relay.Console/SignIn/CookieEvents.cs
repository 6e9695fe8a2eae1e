using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Relay.Accounts;

namespace Relay.Console.SignIn;

/// <summary>A person's cookie holds only while its account exists.</summary>
internal sealed class UserCookieEvents(IGrainFactory grains) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.AccountId() is not { } accountId
            || (await grains.GetGrain<IAccountGrain>(accountId).GetAsync()).CreatedAt is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(ConsoleAuth.UserScheme);
        }
    }
}

/// <summary>
/// An operator's cookie holds only while the operator is still in the configuration, and carries the roles configured
/// now: removing an operator or a role takes effect on their next request.
/// </summary>
internal sealed class OperatorCookieEvents(OperatorDirectory operators) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.OperatorName() is not { } name || operators.RolesOf(name) is not { } roles)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(ConsoleAuth.OperatorScheme);
            return;
        }
        context.ReplacePrincipal(ConsoleAuth.OperatorPrincipal(name, roles));
    }
}
