namespace Relay.Simulator.Tests;

/// <summary>The provider transcripts in shared/wire (see its SOURCES.md), found by walking up from the test binaries.</summary>
internal static class WireTranscripts
{
    private static readonly Lazy<string> s_root = new(Locate);

    public static string Root => s_root.Value;

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    public static IReadOnlyList<SseMessage> Events(string relativePath) => SseMessage.Parse(Read(relativePath));

    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("RELAY_WIRE");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "wire");
            if (File.Exists(Path.Combine(candidate, "SOURCES.md")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("shared/wire not found above the test binaries; set RELAY_WIRE to its path.");
    }
}
