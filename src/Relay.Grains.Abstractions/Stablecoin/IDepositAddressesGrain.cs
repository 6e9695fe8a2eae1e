namespace Relay.Stablecoin;

/// <summary>
/// The deposit addresses derived from one extended public key (the grain's key is the xpub): gives each account
/// its own address at m/0/i, with i assigned once, and answers which account owns an address.
/// </summary>
public interface IDepositAddressesGrain : IGrainWithStringKey
{
    /// <summary>The account's deposit address, assigning the next index the first time; idempotent.</summary>
    Task<DepositAddress> AssignAsync(string accountId);

    /// <summary>Every assigned address (lowercase 0x-hex) with the account that owns it.</summary>
    Task<IReadOnlyDictionary<string, string>> ListAsync();
}
