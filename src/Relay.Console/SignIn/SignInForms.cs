namespace Relay.Console.SignIn;

/// <summary>The sign-in form's fields.</summary>
internal sealed class SignInForm
{
    public string? Email { get; set; }

    public string? Password { get; set; }
}

/// <summary>The sign-up form's fields.</summary>
internal sealed class SignUpForm
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? InviteCode { get; set; }
}

/// <summary>The operator sign-in form's fields.</summary>
internal sealed class OperatorSignInForm
{
    public string? Name { get; set; }

    public string? Password { get; set; }
}
