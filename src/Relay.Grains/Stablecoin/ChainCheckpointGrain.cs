namespace Relay.Stablecoin;

/// <summary>One chain's scan checkpoint, moved only by compare-and-set.</summary>
internal sealed class ChainCheckpointGrain(
    [PersistentState("chain-checkpoint", RelayStorage.Name)] IPersistentState<ChainCheckpointState> state)
    : Grain, IChainCheckpointGrain
{
    public Task<ChainCheckpoint?> GetAsync() => Task.FromResult(state.State.Checkpoint);

    public async Task<ChainCheckpoint?> AdvanceAsync(ChainCheckpoint? expected, ChainCheckpoint advanced)
    {
        ArgumentNullException.ThrowIfNull(advanced);
        if (state.State.Checkpoint != expected || state.State.Checkpoint == advanced)
        {
            return state.State.Checkpoint;
        }
        state.State.Checkpoint = advanced;
        await state.WriteStateAsync();
        return advanced;
    }
}

[GenerateSerializer]
public sealed class ChainCheckpointState
{
    [Id(0)] public ChainCheckpoint? Checkpoint { get; set; }
}
