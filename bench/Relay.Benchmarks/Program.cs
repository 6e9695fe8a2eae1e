using System.Globalization;
using Relay.Benchmarks;

// Relay's benchmark harness: prints tables of numbers, each beside a baseline measured in the same run.
//   dotnet run -c Release --project bench/Relay.Benchmarks -- settlements [seconds] [concurrency]
var postgres = Environment.GetEnvironmentVariable("RELAY_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";
var redis = Environment.GetEnvironmentVariable("RELAY_REDIS") ?? "127.0.0.1:56379";
var scenario = args.Length > 0 ? args[0] : "settlements";
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;

switch (scenario)
{
    case "settlements":
        await SettlementBenchmark.RunAsync(postgres, redis, TimeSpan.FromSeconds(seconds), concurrency);
        break;
    default:
        Console.Error.WriteLine($"unknown scenario '{scenario}'; known: settlements");
        return 2;
}
return 0;
