namespace Relay;

/// <summary>The name of the grain storage provider (ADO.NET on PostgreSQL) that Relay's grains persist to.</summary>
public static class RelayStorage
{
    public const string Name = "relay";
}
