namespace Relay.Stablecoin;

/// <summary>
/// The single writer of one xpub's deposit addresses. Indexes are handed out in order and never reused; the whole
/// book is one persisted state, which is fine to some hundred thousand accounts (then move it to a table).
/// </summary>
internal sealed class DepositAddressesGrain(
    [PersistentState("deposit-addresses", RelayStorage.Name)] IPersistentState<DepositAddressesState> state)
    : Grain, IDepositAddressesGrain
{
    private string Xpub => this.GetPrimaryKeyString();

    public async Task<DepositAddress> AssignAsync(string accountId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        if (state.State.IndexOf.TryGetValue(accountId, out var known))
        {
            return new DepositAddress(accountId, state.State.Addresses[known], known);
        }

        var index = state.State.Addresses.Count;
        var address = DepositAddressDerivation.AddressAt(Xpub, index);
        state.State.Addresses.Add(address);
        state.State.Owners.Add(accountId);
        state.State.IndexOf[accountId] = index;
        await state.WriteStateAsync();
        return new DepositAddress(accountId, address, index);
    }

    public Task<IReadOnlyDictionary<string, string>> ListAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(
            state.State.Addresses.Zip(state.State.Owners).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
}

/// <summary>Addresses and owners by index (parallel lists), and each account's index.</summary>
[GenerateSerializer]
public sealed class DepositAddressesState
{
    [Id(0)] public List<string> Addresses { get; set; } = [];

    [Id(1)] public List<string> Owners { get; set; } = [];

    [Id(2)] public Dictionary<string, int> IndexOf { get; set; } = new(StringComparer.Ordinal);
}
