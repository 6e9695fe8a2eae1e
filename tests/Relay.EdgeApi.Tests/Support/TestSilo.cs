using Relay.Testing;

namespace Relay.EdgeApi.Tests.Support;

/// <summary>
/// The silo behind the edge under test. Each gets a service id of its own, so each has its own catalog (the cluster's
/// models, prices and channels are stored per service id): the channels one test's edge seeds are not another's.
/// </summary>
public static class TestSilo
{
    public const string ServiceId = "relay-edge-tests";

    public static string Redis => TestServices.Redis;

    /// <summary>
    /// Starts a silo of a new service, or of <paramref name="serviceId"/> to find a stopped silo's grains again; with
    /// traces on, so the edge tests can follow a call's trace from the edge into the grain.
    /// </summary>
    public static Task<RelaySiloHost> StartAsync(string? serviceId = null) =>
        RelaySiloHost.StartAsync(serviceId ?? ServiceId + "-" + Guid.NewGuid().ToString("N")[..8], traces: true);

    public static int FreePort() => TestServices.FreePort();
}
