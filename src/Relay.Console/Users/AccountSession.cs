using Microsoft.AspNetCore.Components.Authorization;
using Relay.Accounts;
using Relay.Console.SignIn;

namespace Relay.Console.Users;

/// <summary>
/// The account of the person signed in to this circuit, taken from their cookie and nowhere else: no page of a person
/// reads an account id from its URL or its form, so no page can be pointed at someone else's account.
/// </summary>
internal sealed class AccountSession(AuthenticationStateProvider authentication, IGrainFactory grains)
{
    /// <summary>The signed-in person's account grain; throws when nobody is signed in (the pages require a person).</summary>
    public async Task<IAccountGrain> AccountAsync() =>
        grains.GetGrain<IAccountGrain>(await AccountIdAsync());

    public async Task<string> AccountIdAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.AccountId() ?? throw new InvalidOperationException("No person is signed in to this page.");
    }
}
