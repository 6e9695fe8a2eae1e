namespace Relay.Keys;

/// <summary>An API key's persisted record; empty until the key is registered.</summary>
[GenerateSerializer, Alias("Relay.ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)] public string? AccountId { get; set; }

    [Id(1)] public string Name { get; set; } = "";

    [Id(2)] public DateTimeOffset CreatedAt { get; set; }

    [Id(3)] public bool Revoked { get; set; }
}
