using UsbMesh.Shell;

namespace UsbMesh.Cli.Interactive;

/// <summary>What the word being typed at the prompt may become: palette names first, then the palette's commands,
/// then the command's switches (and the client's own), all from the palettes the node sent.</summary>
internal static class Completion
{
    private static readonly string[] PromptWords = ["help", "exit", "quit"];
    private static readonly string[] ClientSwitches = [ClientOptions.JsonSwitch, ClientOptions.NodeSwitch];

    /// <summary>The candidates for <paramref name="partial"/>, typed after <paramref name="before"/>, sorted.</summary>
    public static IReadOnlyList<string> Candidates(IReadOnlyList<CommandPalette> palettes, IReadOnlyList<string> before, string partial)
    {
        IEnumerable<string> words = [];
        var palette = before.Count > 0 ? palettes.FirstOrDefault(p => p.Name == before[0]) : null;
        if (before.Count == 0)
        {
            words = palettes.Select(p => p.Name).Concat(PromptWords);
        }
        else if (before[0] == "help")
        {
            var helped = before.Count > 1 ? palettes.FirstOrDefault(p => p.Name == before[1]) : null;
            words = before.Count == 1 ? palettes.Select(p => p.Name) : before.Count == 2 && helped is not null ? helped.Commands.Select(c => c.Name) : [];
        }
        else if (palette is not null)
        {
            var definition = CommandWords.DefinitionOf(palettes, before);
            if (partial.StartsWith('-'))
            {
                words = (definition?.Arguments.SelectMany(a => a.Switches) ?? []).Concat(ClientSwitches);
            }
            else if (before.Count == 1)
            {
                words = palette.Commands.Select(c => c.Name);
            }
        }

        return [.. words.Where(w => w.StartsWith(partial, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>The longest start all of <paramref name="candidates"/> share.</summary>
    public static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        if (candidates.Count == 0)
        {
            return "";
        }

        var prefix = candidates[0];
        foreach (var candidate in candidates.Skip(1))
        {
            var length = 0;
            while (length < prefix.Length && length < candidate.Length && prefix[length] == candidate[length])
            {
                length++;
            }

            prefix = prefix[..length];
        }

        return prefix;
    }
}
