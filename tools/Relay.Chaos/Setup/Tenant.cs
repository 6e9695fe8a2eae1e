namespace Relay.Chaos.Setup;

/// <summary>One account of the run with its key and the device name its clients send.</summary>
internal sealed record Tenant(int Index, string AccountId, string Key, bool Poor)
{
    public string Device => $"chaos-{Index}";
}
