namespace Relay.Simulator.Calls;

/// <summary>
/// Thrown on purpose, after half an answer was flushed, to break the connection. <c>HttpContext.Abort()</c> would
/// race Kestrel's transport (it drops bytes not yet written to the socket, and more of them the busier the
/// machine); an exception after the response started makes Kestrel send what was flushed, then close without
/// the final chunk, so the client always reads the half and then an incomplete body.
/// </summary>
internal sealed class StreamCutException(string path) : Exception($"cut-mid-stream fault on {path}");
