namespace Relay.Protocols.Tests;

/// <summary>Finds the shared wire transcripts: beside the session's checkout, or beside CI's clone of the repo.</summary>
internal static class WireFiles
{
    private static readonly Lazy<string> _root = new(FindRoot);

    public static string Root => _root.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public static IEnumerable<string> All(string searchPattern) =>
        Directory.EnumerateFiles(Root, searchPattern, SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        const string Fixed = "/work/shared/wire";
        if (Directory.Exists(Fixed))
        {
            return Fixed;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "wire");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No shared/wire folder above {AppContext.BaseDirectory} and none at {Fixed}.");
    }
}
