namespace Relay.Console.Hosting;

/// <summary>The console's settings, section <c>Relay:Console</c>. docs/console.md lists each.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Relay:Console";

    /// <summary>Where people reach the console; invite links are <c>{PublicBaseUrl}/?invite=CODE</c>.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>The edge's public URL: the base URL the setup guide tells clients to use.</summary>
    public string RelayBaseUrl { get; set; } = "http://localhost:8080";

    /// <summary>The people who may sign in to the operator pages, with their roles.</summary>
    public List<OperatorOptions> Operators { get; set; } = [];
}

/// <summary>One operator: a name to sign in with, a password hash (<c>Relay.Console hash-password</c> prints one) and roles.</summary>
public sealed class OperatorOptions
{
    public string Name { get; set; } = "";

    /// <summary>An ASP.NET Core Identity password hash (PBKDF2); the plain password is never configured.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary><c>admin</c> (everything), <c>support</c> (accounts: adjust, disable) or <c>viewer</c> (read only).</summary>
    public List<string> Roles { get; set; } = [];
}
