namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Forwards an upstream answer to the client and reads usage out of it as it passes. <see cref="IAnswerStage.Process"/>
/// writes what the client must receive: normally exactly the same bytes, immediately. Only a meter made with
/// <c>stripUsageOnlyChunk</c> holds each event back until it is complete, so that it can drop OpenAI's usage-only
/// chunk that Relay asked for and the client did not. <see cref="IAnswerStage.Complete"/> meters an event left
/// without its blank line and writes anything held back.
/// </summary>
public interface IStreamMeter : IAnswerStage
{
    /// <summary>What has been learnt so far; safe to read at any time, including after a cut.</summary>
    MeteredCall Result { get; }
}
