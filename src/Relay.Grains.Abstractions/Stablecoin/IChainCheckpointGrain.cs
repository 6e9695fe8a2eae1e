namespace Relay.Stablecoin;

/// <summary>How far a chain's deposits have been credited (the grain's key is the chain id), shared by all watchers.</summary>
public interface IChainCheckpointGrain : IGrainWithStringKey
{
    /// <summary>The last block whose deposits are all credited, or null before the first scan.</summary>
    Task<ChainCheckpoint?> GetAsync();

    /// <summary>
    /// Moves the checkpoint to <paramref name="advanced"/> only if it is still <paramref name="expected"/>, so two
    /// watchers never move it past each other's work. Returns the checkpoint as it now stands.
    /// </summary>
    Task<ChainCheckpoint?> AdvanceAsync(ChainCheckpoint? expected, ChainCheckpoint advanced);
}
