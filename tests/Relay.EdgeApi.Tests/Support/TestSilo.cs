using Relay.Testing;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>The silo behind the edge under test, with the edge tests' own service id.</summary>
public static class TestSilo
{
    public const string ServiceId = "relay-edge-tests";

    public static string Redis => TestServices.Redis;

    /// <summary>With traces on: the edge tests follow a call's trace from the edge into the grain.</summary>
    public static Task<RelaySiloHost> StartAsync() => RelaySiloHost.StartAsync(ServiceId, traces: true);

    public static int FreePort() => TestServices.FreePort();
}
