using System.Globalization;
using Relay.Benchmarks;

// Relay's benchmark harness: prints tables of numbers, each beside a baseline measured in the same run.
//   dotnet run -c Release --project bench/Relay.Benchmarks -- settlements [seconds] [concurrency]
//   dotnet run -c Release --project bench/Relay.Benchmarks -- gateway [seconds] [calls at concurrency 1]
// gateway starts a simulator, a silo and an edge with scripts/cluster.sh (ports from 45000, or
// RELAY_CLUSTER_PORT_BASE) and nginx (BASE+90; apt-get install -y nginx-light), on a database of its own
// (relay_bench_BASE on RELAY_POSTGRES's server), and stops them at the end; run it from inside the repository.
var postgres = Environment.GetEnvironmentVariable("RELAY_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=relay";
var redis = Environment.GetEnvironmentVariable("RELAY_REDIS") ?? "127.0.0.1:56379";
var scenario = args.Length > 0 ? args[0] : "settlements";
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;

switch (scenario)
{
    case "settlements":
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        await SettlementBenchmark.RunAsync(postgres, redis, TimeSpan.FromSeconds(seconds), concurrency);
        break;
    case "gateway":
        var calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
        var portBase = int.Parse(Environment.GetEnvironmentVariable("RELAY_CLUSTER_PORT_BASE") ?? "45000", CultureInfo.InvariantCulture);
        await GatewayBenchmark.RunAsync(new GatewaySettings(
            Postgres: postgres,
            PortBase: portBase,
            WarmUpCalls: 300,
            SequentialCalls: calls,
            SequentialStreams: 50,
            Duration: TimeSpan.FromSeconds(seconds),
            CallConcurrencies: [32, 128],
            StreamConcurrencies: [256, 1024],
            HeldStreams: 1000,
            ActivatedAccounts: 2000));
        break;
    default:
        Console.Error.WriteLine($"unknown scenario '{scenario}'; known: settlements, gateway");
        return 2;
}
return 0;
