using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Relay.Console.SignIn;

/// <summary>
/// The default scheme: one principal holding the identity of each cookie that is present (a person's, an
/// operator's, or both). Blazor's circuits see only the default scheme, so both kinds must come through it. A
/// challenge goes to the sign-in page of the part of the site that asked.
/// </summary>
internal sealed class CombinedAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identities = new List<ClaimsIdentity>();
        foreach (var scheme in (string[])[ConsoleAuth.UserScheme, ConsoleAuth.OperatorScheme])
        {
            var result = await Context.AuthenticateAsync(scheme);
            if (result.Succeeded)
            {
                identities.AddRange(result.Principal.Identities.Where(identity => identity.IsAuthenticated));
            }
        }
        return identities.Count == 0
            ? AuthenticateResult.NoResult()
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identities), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.ChallengeAsync(SchemeFor(Request.Path), properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Context.ForbidAsync(SchemeFor(Request.Path), properties);

    private static string SchemeFor(PathString path) =>
        path.StartsWithSegments("/operator", StringComparison.OrdinalIgnoreCase) ? ConsoleAuth.OperatorScheme : ConsoleAuth.UserScheme;
}
