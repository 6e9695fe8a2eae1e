using System.Security.Claims;

namespace Relay.Console.SignIn;

/// <summary>The console's two kinds of signed-in people, each with its own cookie, and the policies that tell them apart.</summary>
internal static class ConsoleAuth
{
    /// <summary>A person with an account: their own account, nothing else.</summary>
    public const string UserScheme = "relay-user";

    /// <summary>An operator from configuration, with roles.</summary>
    public const string OperatorScheme = "relay-operator";

    /// <summary>Reads both cookies: a browser may hold a person's and an operator's sign-in at once.</summary>
    public const string CombinedScheme = "relay";

    public const string UserPolicy = "user";
    public const string OperatorPolicy = "operator";
    public const string SupportPolicy = "operator-support";
    public const string AdminPolicy = "operator-admin";

    public const string AccountIdClaim = "relay:account";
    public const string EmailClaim = "relay:email";
    public const string OperatorClaim = "relay:operator";

    public const string AdminRole = "admin";
    public const string SupportRole = "support";
    public const string ViewerRole = "viewer";

    /// <summary>The signed-in person's own account id; only the user cookie carries it.</summary>
    public static string? AccountId(this ClaimsPrincipal principal) => principal.FindFirst(AccountIdClaim)?.Value;

    public static string? OperatorName(this ClaimsPrincipal principal) => principal.FindFirst(OperatorClaim)?.Value;

    public static ClaimsPrincipal UserPrincipal(string accountId, string email) => new(new ClaimsIdentity(
        [new Claim(AccountIdClaim, accountId), new Claim(EmailClaim, email), new Claim(ClaimTypes.Name, email)],
        UserScheme, ClaimTypes.Name, ClaimTypes.Role));

    public static ClaimsPrincipal OperatorPrincipal(string name, IEnumerable<string> roles) => new(new ClaimsIdentity(
        [new Claim(OperatorClaim, name), .. roles.Select(role => new Claim(ClaimTypes.Role, role))],
        OperatorScheme, OperatorClaim, ClaimTypes.Role));
}
