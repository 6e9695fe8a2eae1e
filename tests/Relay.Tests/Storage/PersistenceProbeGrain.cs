using Relay.Money;

namespace Relay.Tests.Storage;

/// <summary>Stored state of the probe: a few shapes Relay's real grain state is made of.</summary>
[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public Usd Balance { get; set; }

    [Id(2)]
    public List<string> Lines { get; set; } = [];

    [Id(3)]
    public DateTimeOffset At { get; set; }
}

/// <summary>What the probe holds after activation: its state and the storage metadata beside it.</summary>
[GenerateSerializer, Immutable, Alias("Relay.Tests.ProbeReading")]
public sealed record ProbeReading(
    [property: Id(0)] ProbeState State,
    [property: Id(1)] string? ETag,
    [property: Id(2)] bool RecordExists);

/// <summary>A grain whose only job is to persist its state through the "Default" ADO.NET provider.</summary>
[Alias("Relay.Tests.IPersistenceProbeGrain")]
public interface IPersistenceProbeGrain : IGrainWithStringKey
{
    /// <summary>Replaces the state and writes it.</summary>
    Task SaveAsync(ProbeState state);

    /// <summary>The state as read on activation or last written.</summary>
    Task<ProbeReading> ReadAsync();

    /// <summary>Clears the stored state.</summary>
    Task ClearAsync();
}

internal sealed class PersistenceProbeGrain(
    [PersistentState("probe", PersistenceProbeGrain.StorageName)] IPersistentState<ProbeState> state)
    : Grain, IPersistenceProbeGrain
{
    public const string StorageName = "Default";

    public Task SaveAsync(ProbeState newState)
    {
        state.State = newState;
        return state.WriteStateAsync();
    }

    public Task<ProbeReading> ReadAsync() => Task.FromResult(new ProbeReading(state.State, state.Etag, state.RecordExists));

    public Task ClearAsync() => state.ClearStateAsync();
}
