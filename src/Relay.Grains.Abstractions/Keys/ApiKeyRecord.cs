namespace Relay.Keys;

/// <summary>What an API key maps to. The plain key is never stored, only its SHA-256 hash (the key id).</summary>
[GenerateSerializer, Immutable, Alias("Relay.ApiKeyRecord")]
public sealed record ApiKeyRecord(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string AccountId,
    [property: Id(2)] string Name,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] bool Revoked);
