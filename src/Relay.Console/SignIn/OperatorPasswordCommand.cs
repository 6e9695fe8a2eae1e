using Microsoft.AspNetCore.Identity;
using Relay.Users.Identity;

namespace Relay.Console.SignIn;

/// <summary>
/// <c>Relay.Console hash-password</c>: reads a password from standard input and prints the hash to put in
/// <c>Relay:Console:Operators:N:PasswordHash</c>, so no plain password is ever configured.
/// </summary>
internal static class OperatorPasswordCommand
{
    public const string Name = "hash-password";

    public static int Run(TextReader input, TextWriter output, TextWriter errors)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password) || password.Length < 12)
        {
            errors.WriteLine("Give the operator's password (at least 12 characters) on standard input.");
            return 2;
        }
        output.WriteLine(Hash(password));
        return 0;
    }

    public static string Hash(string password) => new Passwords(new PasswordHasher<PasswordOwner>()).Hash("", password);
}
