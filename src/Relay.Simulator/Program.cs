using Relay.Simulator.Hosting;

// Standalone: dotnet Relay.Simulator.dll --urls http://127.0.0.1:8790 (settings: README.md).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.AddSimulator();

var app = builder.Build();
app.UseSimulator();
app.Run();
