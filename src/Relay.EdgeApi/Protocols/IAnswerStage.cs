using System.Buffers;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// One step that an upstream answer's bytes pass through on their way to the client: a meter (the same bytes out,
/// usage learnt on the way), or a translator from the upstream's wire format to the client's. Stages are chained
/// by <c>AnswerCopier</c>; each gets the bytes the one before it wrote, in whatever chunking they came.
/// </summary>
public interface IAnswerStage
{
    /// <summary>Takes a chunk of input and writes to <paramref name="output"/> what goes on; it may hold bytes back.</summary>
    void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output);

    /// <summary>End of input: writes anything held back. Not called when the answer was cut or the client left.</summary>
    void Complete(IBufferWriter<byte> output);
}
