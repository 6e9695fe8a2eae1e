using Relay.Chaos;

// A chaos run against a running cluster (scripts/chaos.sh starts one): set up accounts, drive streamed calls
// through both edges while the fault schedule kills and restarts processes, then prove the money exact.
// Exit 0 when every check holds, 1 on any difference, 2 when the run itself could not be made.
try
{
    var options = ChaosOptions.Parse(args);
    return await ChaosRun.ExecuteAsync(options);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("chaos: " + ex.Message);
    return 2;
}
