namespace Relay.Invites;

/// <summary>An invite code, keyed by the code itself, and the account that owns it.</summary>
public interface IInviteCodeGrain : IGrainWithStringKey
{
    /// <summary>Gives the code to an account if nobody holds it; returns the owner either way.</summary>
    Task<string> ClaimAsync(string accountId);

    /// <summary>The owning account, or null for a code nobody holds.</summary>
    Task<string?> GetOwnerAsync();
}
