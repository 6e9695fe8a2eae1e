namespace Relay.Simulator.Served;

/// <summary>One call the simulator answered, as <c>GET /_sim/served</c> lists it.</summary>
/// <param name="Id">The upstream id the answer carries (msg_..., chatcmpl-..., resp_..., or a GLM id).</param>
/// <param name="Path">The provider path, without any <c>/_NAME/VALUE</c> prefix.</param>
/// <param name="Usage">The usage the whole answer reports, normalised (see <see cref="ServedUsage"/>); zero for a status fault.</param>
/// <param name="Completed">True when the whole answer reached the client.</param>
/// <param name="Fault">The injected fault, or null.</param>
public sealed record ServedCall(
    string Id,
    string Path,
    string Model,
    bool Stream,
    ServedUsage Usage,
    bool Completed,
    string? Fault,
    DateTimeOffset At)
{
    /// <summary>Images the request carried, in the provider's shape (a malformed one is refused with 400).</summary>
    public int Images { get; init; }

    /// <summary>Tool results the request carried.</summary>
    public int ToolResults { get; init; }

    /// <summary>Tool calls the answer made.</summary>
    public int ToolCalls { get; init; }
}

/// <summary>
/// Token counts of one answer in billing categories: <see cref="InputTokens"/> excludes cache reads and writes,
/// <see cref="OutputTokens"/> includes <see cref="ReasoningTokens"/>. Categories the provider's wire does not report are 0.
/// </summary>
public sealed record ServedUsage(
    long InputTokens,
    long OutputTokens,
    long CacheReadTokens,
    long CacheWrite5mTokens,
    long CacheWrite1hTokens,
    long ReasoningTokens)
{
    public static ServedUsage None { get; } = new(0, 0, 0, 0, 0, 0);
}
