namespace Relay.Keys;

/// <summary>An API key, keyed by the lowercase hex SHA-256 of the plain key.</summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Registers the key for an account; registering the same key again returns the first record.</summary>
    Task<ApiKeyRecord> RegisterAsync(string accountId, string name);

    /// <summary>The key's record, or null when no such key was ever registered.</summary>
    Task<ApiKeyRecord?> GetAsync();

    /// <summary>Revokes the key for good; returns false when there is no such key.</summary>
    Task<bool> RevokeAsync();
}
