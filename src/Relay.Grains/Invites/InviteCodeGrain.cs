namespace Relay.Invites;

/// <summary>An invite code and its owner; the first claim wins.</summary>
internal sealed class InviteCodeGrain(
    [PersistentState("invite", RelayStorage.Name)] IPersistentState<InviteCodeState> state) : Grain, IInviteCodeGrain
{
    public async Task<string> ClaimAsync(string accountId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        if (state.State.OwnerAccountId is null)
        {
            state.State.OwnerAccountId = accountId;
            await state.WriteStateAsync();
        }
        return state.State.OwnerAccountId;
    }

    public Task<string?> GetOwnerAsync() => Task.FromResult(state.State.OwnerAccountId);
}

[GenerateSerializer, Alias("Relay.InviteCodeState")]
public sealed class InviteCodeState
{
    [Id(0)] public string? OwnerAccountId { get; set; }
}
