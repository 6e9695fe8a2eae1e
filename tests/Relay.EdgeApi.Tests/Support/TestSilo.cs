using Relay.Testing;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>The silo behind the edge under test, with the edge tests' own service id.</summary>
public static class TestSilo
{
    public const string ServiceId = "relay-edge-tests";

    public static string Redis => TestServices.Redis;

    public static Task<RelaySiloHost> StartAsync() => RelaySiloHost.StartAsync(ServiceId);

    public static int FreePort() => TestServices.FreePort();
}
