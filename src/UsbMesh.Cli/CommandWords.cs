using System.Text;
using UsbMesh.Shell;

namespace UsbMesh.Cli;

/// <summary>
/// The words of a command line: split as a shell splits them (for the interactive prompt), and the client's own
/// switches taken out of them, so that what is left is the command for <see cref="CommandParser"/>.
/// </summary>
internal static class CommandWords
{
    /// <summary>
    /// Splits <paramref name="line"/> at blanks; single quotes keep everything literally, double quotes keep blanks,
    /// a backslash keeps the next character.
    /// </summary>
    /// <returns>The words, or null with <paramref name="error"/> when a quote is not closed.</returns>
    public static List<string>? Split(string line, out string? error)
    {
        error = null;
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote == '\'' && c != '\'')
            {
                word.Append(c);
            }
            else if (c == '\\' && quote != '\'' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c is '\'' or '"' && (quote is null || quote == c))
            {
                quote = quote is null ? c : null;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) && quote is null)
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            error = $"The quote {quote} is not closed.";
            return null;
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>
    /// Takes the client's switches (<see cref="ClientOptions"/>) out of <paramref name="words"/>: all of them before
    /// the palette's name, and after it those the command has no switch of the same name for.
    /// </summary>
    /// <returns>The command's words, or null with <paramref name="error"/> when a switch lacks its value.</returns>
    public static List<string>? TakeClientSwitches(IReadOnlyList<CommandPalette> palettes, IReadOnlyList<string> words, ref ClientOptions options, out string? error)
    {
        error = null;
        var first = 0;
        while (first < words.Count && ClientOptions.IsSwitch(words[first]))
        {
            if (!Take(words, ref first, ref options, out error))
            {
                return null;
            }
        }

        var rest = new List<string>();
        var definition = DefinitionOf(palettes, words.Skip(first).ToList());
        for (var i = first; i < words.Count;)
        {
            var word = words[i];
            if (i > first && ClientOptions.IsSwitch(word) && definition?.Arguments.Any(a => a.Switches.Contains(word)) != true)
            {
                if (!Take(words, ref i, ref options, out error))
                {
                    return null;
                }

                continue;
            }

            rest.Add(word);
            i++;
        }

        return rest;
    }

    /// <summary>The command <paramref name="words"/> name, as <see cref="CommandParser"/> finds it, if any.</summary>
    public static CommandDefinition? DefinitionOf(IReadOnlyList<CommandPalette> palettes, IReadOnlyList<string> words)
    {
        var palette = words.Count > 0 ? palettes.FirstOrDefault(p => p.Name == words[0]) : null;
        if (palette is null)
        {
            return null;
        }

        return (words.Count > 1 ? palette.Find(words[1]) : null) ?? (palette.Default is { } command ? palette.Find(command) : null);
    }

    private static bool Take(IReadOnlyList<string> words, ref int index, ref ClientOptions options, out string? error)
    {
        error = null;
        var word = words[index++];
        if (!ClientOptions.TakesValue(word))
        {
            options = options.With(word, null);
            return true;
        }

        if (index >= words.Count)
        {
            error = $"{word} needs a value.";
            return false;
        }

        options = options.With(word, words[index++]);
        return true;
    }
}
