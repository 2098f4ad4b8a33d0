using UsbMesh.Configuration;

namespace UsbMesh.Node;

/// <summary>
/// Refuses settings under <c>usbmesh</c> that <c>reference.conf</c> does not know. A misspelt key would otherwise be
/// ignored and its default used without a word; the error names the file and line and the closest known setting.
/// </summary>
internal static class UnknownSettings
{
    private const string Root = "usbmesh";

    /// <summary>Objects whose keys the user chooses (dispatcher ids, logger names, phase names): any key below is allowed.</summary>
    private static readonly string[][] OpenObjects =
    [
        [Root, "actor", "dispatchers"],
        [Root, "logging", "overrides"],
        [Root, "coordinated-shutdown", "phases"],
    ];

    /// <summary>Settings that moved, by their old path: a file that still uses one is told the new path.</summary>
    private static readonly (string Old, string New)[] MovedPaths =
    [
        ("usbmesh.exports.gadgets", ExportSettings.GadgetsPath),
    ];

    private static readonly Lazy<HashSet<string>> KnownPaths =
        new(() => [.. NodeConfig.Reference.Resolve().Entries().Select(e => e.Path)]);

    /// <exception cref="ConfigurationException">A setting under <c>usbmesh</c> is not a known one.</exception>
    public static void Check(Config complete)
    {
        foreach (var entry in complete.Entries())
        {
            if (entry.Elements[0] != Root || KnownPaths.Value.Contains(entry.Path) || IsInOpenObject(entry.Elements))
            {
                continue;
            }

            if (MovedTo(entry.Path) is var (old, moved))
            {
                throw new ConfigurationException($"{old} has moved: the setting is now {moved}", entry.Origin, entry.Path);
            }

            var closest = Closest(entry.Path);
            throw new ConfigurationException(
                $"unknown setting {entry.Path}" + (closest is null ? "" : $"; did you mean {closest}?"), entry.Origin, entry.Path);
        }
    }

    /// <summary>The moved setting <paramref name="path"/> is or lies under, with its new path.</summary>
    private static (string Old, string New)? MovedTo(string path)
    {
        foreach (var (old, moved) in MovedPaths)
        {
            if (path == old || path.StartsWith(old + ".", StringComparison.Ordinal) || path.StartsWith(old + "[", StringComparison.Ordinal))
            {
                return (old, moved);
            }
        }

        return null;
    }

    private static bool IsInOpenObject(IReadOnlyList<string> elements) =>
        OpenObjects.Any(open => elements.Count > open.Length && open.Select((key, i) => key == elements[i]).All(same => same));

    /// <summary>The known setting nearest by edit distance, when it is near enough to be a likely typo.</summary>
    private static string? Closest(string path)
    {
        var best = KnownPaths.Value.Select(known => (known, distance: EditDistance(path, known))).MinBy(c => c.distance);
        return best.known is not null && best.distance <= Math.Max(2, path.Length / 8) ? best.known : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
