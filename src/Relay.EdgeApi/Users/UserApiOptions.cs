using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.EdgeApi.Users;

/// <summary>The user API's settings, bound from configuration section "Relay:Users".</summary>
public sealed class UserApiOptions
{
    public const string Section = "Relay:Users";

    /// <summary>Signs session tokens (HMAC-SHA256); at least 32 bytes of UTF-8. Every edge must share it.</summary>
    public string SessionSecret { get; set; } = "";

    /// <summary>How long a session token stays valid after sign-in.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The site people sign up on; invite links point at <c>{PublicBaseUrl}/signup?invite=CODE</c>.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:8080";

    /// <summary>Sign-up and sign-in requests one client address may make per <see cref="AuthWindow"/>.</summary>
    public int AuthPermitLimit { get; set; } = 10;

    /// <summary>The fixed window over which <see cref="AuthPermitLimit"/> is counted.</summary>
    public TimeSpan AuthWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The shortest password accepted at sign-up.</summary>
    public int MinPasswordLength { get; set; } = 8;
}

/// <summary>Refuses to start an edge whose user API could not sign sessions safely.</summary>
internal sealed class UserApiOptionsValidation : IValidateOptions<UserApiOptions>
{
    public const int MinSecretBytes = 32;

    public ValidateOptionsResult Validate(string? name, UserApiOptions options)
    {
        var failures = new List<string>();
        if (Encoding.UTF8.GetByteCount(options.SessionSecret) < MinSecretBytes)
        {
            failures.Add($"{UserApiOptions.Section}:SessionSecret is required and must be at least {MinSecretBytes} bytes.");
        }
        if (options.SessionLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{UserApiOptions.Section}:SessionLifetime must be positive.");
        }
        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out _))
        {
            failures.Add($"{UserApiOptions.Section}:PublicBaseUrl must be an absolute URL.");
        }
        if (options.AuthPermitLimit < 1 || options.AuthWindow <= TimeSpan.Zero)
        {
            failures.Add($"{UserApiOptions.Section}:AuthPermitLimit and AuthWindow must be positive.");
        }
        if (options.MinPasswordLength < 8)
        {
            failures.Add($"{UserApiOptions.Section}:MinPasswordLength is at least 8.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
