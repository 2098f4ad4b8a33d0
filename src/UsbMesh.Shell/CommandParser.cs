namespace UsbMesh.Shell;

/// <summary>
/// Turns command-line words into a <see cref="CommandRequest"/> against the palettes a node offers, and checks a
/// request against its definition. The client parses (so that usage errors need no round trip and completion knows
/// the same rules); the node checks again, since any client may send any request.
/// </summary>
public static class CommandParser
{
    /// <summary>Parses <c>palette command [positional...] [--switch value | --flag]...</c>.</summary>
    /// <returns>The request, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static CommandRequest? Parse(IReadOnlyList<CommandPalette> palettes, IReadOnlyList<string> words, string? node, out string? error)
    {
        error = null;
        if (words.Count == 0)
        {
            error = $"Name a palette: {string.Join(", ", palettes.Select(p => p.Name))}.";
            return null;
        }

        var palette = palettes.FirstOrDefault(p => p.Name == words[0]);
        if (palette is null)
        {
            error = $"No palette '{words[0]}'. Palettes: {string.Join(", ", palettes.Select(p => p.Name))}.";
            return null;
        }

        var first = 2;
        var definition = words.Count >= 2 ? palette.Find(words[1]) : null;
        if (definition is null && palette.Default is not null)
        {
            definition = palette.Find(palette.Default);
            first = 1;
        }

        if (definition is null)
        {
            error = (words.Count < 2 ? $"Name a command of '{palette.Name}'" : $"No command '{words[1]}' in '{palette.Name}'")
                + $". Commands: {string.Join(", ", palette.Commands.Select(c => c.Name))}.";
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        for (var i = first; i < words.Count; i++)
        {
            var word = words[i];
            if (word.StartsWith('-') && word.Length > 1)
            {
                var argument = definition.Arguments.FirstOrDefault(a => a.Switches.Contains(word));
                if (argument is null)
                {
                    error = $"'{palette.Name} {definition.Name}' has no switch {word}. {Usage(palette, definition)}";
                    return null;
                }

                if (argument.IsFlag)
                {
                    values[argument.Name] = "true";
                }
                else if (i + 1 < words.Count)
                {
                    values[argument.Name] = words[++i];
                }
                else
                {
                    error = $"{word} needs a value. {Usage(palette, definition)}";
                    return null;
                }
            }
            else
            {
                var argument = definition.Arguments.FirstOrDefault(a => a.Position == position && !values.ContainsKey(a.Name));
                if (argument is null)
                {
                    error = $"Unexpected '{word}'. {Usage(palette, definition)}";
                    return null;
                }

                values[argument.Name] = word;
                position++;
            }
        }

        var request = new CommandRequest(palette.Name, definition.Name, values, node);
        return Complete(definition, request, out error);
    }

    /// <summary>
    /// Checks <paramref name="request"/> against <paramref name="definition"/>: no unknown argument, every mandatory
    /// one present, defaults filled in.
    /// </summary>
    /// <returns>The completed request, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static CommandRequest? Complete(CommandDefinition definition, CommandRequest request, out string? error)
    {
        error = null;
        if (request.Arguments.Keys.FirstOrDefault(k => definition.Find(k) is null) is { } unknown)
        {
            error = $"'{request.Palette} {request.Command}' takes no argument '{unknown}'.";
            return null;
        }

        var values = new Dictionary<string, string>(request.Arguments, StringComparer.Ordinal);
        foreach (var argument in definition.Arguments)
        {
            if (values.ContainsKey(argument.Name))
            {
                continue;
            }

            if (argument.Default is not null)
            {
                values[argument.Name] = argument.Default;
            }
            else if (argument.Mandatory)
            {
                error = $"'{request.Palette} {request.Command}' needs {Describe(argument)}.";
                return null;
            }
        }

        return request with { Arguments = values };
    }

    /// <summary>One usage line: <c>Usage: devices info &lt;device&gt; [--json]</c>.</summary>
    public static string Usage(CommandPalette palette, CommandDefinition definition)
    {
        var parts = definition.Arguments
            .OrderBy(a => a.Position ?? int.MaxValue)
            .Select(a => a.Position is not null
                ? (a.Mandatory ? $"<{a.Name}>" : $"[<{a.Name}>]")
                : a.IsFlag ? $"[{a.Switches[^1]}]" : a.Mandatory ? $"{a.Switches[^1]} <{a.Name}>" : $"[{a.Switches[^1]} <{a.Name}>]");
        return $"Usage: {palette.Name} {definition.Name} {string.Join(' ', parts)}".TrimEnd();
    }

    private static string Describe(CommandArgument argument) =>
        argument.Switches.Count > 0 ? $"{argument.Switches[^1]} <{argument.Name}>" : $"<{argument.Name}>";
}
