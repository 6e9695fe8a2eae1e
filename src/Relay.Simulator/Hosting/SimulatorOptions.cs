using Relay.Simulator.Alipay;

namespace Relay.Simulator.Hosting;

/// <summary>Settings of the simulator, bound from the <c>Simulator</c> configuration section.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Keys the simulator accepts. Empty means any non-empty key is accepted.</summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>Pause between two events of a stream, unless <c>x-sim-event-delay-ms</c> says otherwise.</summary>
    public int EventDelayMs { get; set; } = 2;

    /// <summary>Pause before the first byte of an answer, unless <c>x-sim-first-byte-delay-ms</c> says otherwise.</summary>
    public int FirstByteDelayMs { get; set; }

    /// <summary>How many served calls <c>/_sim/served</c> keeps; older ones are dropped first.</summary>
    public int ServedCapacity { get; set; } = 100_000;

    /// <summary>
    /// Models listed by <c>GET /v1/models</c>; by default the ones Claude Code and Codex ask for with no model setting
    /// and Relay's shipped catalog. Any model name is accepted in a call, so a model added to Relay's catalog is answered
    /// without a change here.
    /// </summary>
    public IList<string> Models { get; } = [];

    /// <summary>The Alipay stand-in (<c>Simulator:Alipay</c>), off until its keys are set.</summary>
    public AlipayStandInOptions Alipay { get; } = new();

    internal IReadOnlyList<string> ListedModels => Models.Count > 0
        ? [.. Models]
        : ["claude-opus-4-8", "claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5", "gpt-6.2-sol", "gpt-5.5", "gpt-5.4", "gpt-5.3-codex", "glm-5.1", "glm-5"];
}
