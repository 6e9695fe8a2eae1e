namespace Relay.Chaos.Audit;

/// <summary>One proven (or disproven) claim: what it says, what was counted, and every difference found.</summary>
internal sealed class Check(string claim)
{
    private readonly List<string> _differences = [];

    public string Claim => claim;

    public string Counted { get; set; } = "";

    public IReadOnlyList<string> Differences => _differences;

    public bool Passed => _differences.Count == 0;

    public void Differ(string difference) => _differences.Add(difference);
}
