namespace Relay.Stablecoin;

/// <summary>An account's deposit address (lowercase 0x-hex) and its index i in the derivation path m/0/i.</summary>
[GenerateSerializer, Immutable, Alias("Relay.DepositAddress")]
public sealed record DepositAddress(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string Address,
    [property: Id(2)] int Index);

/// <summary>A block by number and hash; the hash tells whether the chain still holds that block.</summary>
[GenerateSerializer, Immutable, Alias("Relay.ChainCheckpoint")]
public sealed record ChainCheckpoint(
    [property: Id(0)] long BlockNumber,
    [property: Id(1)] string BlockHash);
