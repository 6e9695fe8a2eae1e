using Relay.Console.Hosting;
using Relay.Console.SignIn;
using Relay.Hosting;

if (args is [OperatorPasswordCommand.Name, ..])
{
    return OperatorPasswordCommand.Run(System.Console.In, System.Console.Out, System.Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

// The Orleans client: the console calls the account, key, payment and catalog grains directly, like the edge.
builder.AddRelayOrleansClient();

// Pages, the two sign-ins, both languages, and the account operations shared with the edge.
builder.AddConsoleServices();

var app = builder.Build();
app.MapConsole();
app.Run();
return 0;

/// <summary>The console's entry point; public so tests can host it.</summary>
public partial class Program;
