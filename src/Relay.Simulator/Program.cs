using Relay.Simulator.Hosting;

// Standalone: dotnet Relay.Simulator.dll --urls http://127.0.0.1:8790
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddSimulator();

var app = builder.Build();
app.UseSimulator();
app.Run();
