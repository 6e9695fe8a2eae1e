namespace Relay.Accounts;

/// <summary>
/// The API keys an account holds (their ids and names; each key's secret hash and revocation live in its own
/// key grain), bounded by <see cref="AccountOptions.MaxKeys"/>.
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an account grain activation, whose queue of turns runs its
/// steps one at a time.
/// </remarks>
internal sealed class AccountKeys(IPersistentState<AccountState> state, AccountOptions rules)
{
    /// <summary>Records a key; false when the account already holds the most keys it may.</summary>
    public async Task<bool> AddAsync(AccountKey key)
    {
        if (state.State.Keys.ContainsKey(key.KeyId))
        {
            return true;
        }
        if (state.State.Keys.Count >= rules.MaxKeys)
        {
            return false;
        }
        state.State.Keys[key.KeyId] = key;
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>The account's keys, newest first.</summary>
    public IReadOnlyList<AccountKey> List() => state.State.Keys.Values.OrderByDescending(k => k.CreatedAt).ToList();
}
