using Spectre.Console;
using UsbMesh.Shell;

namespace UsbMesh.Cli;

/// <summary>
/// What a node offers, from its palettes: <c>help</c> lists the palettes, <c>help &lt;palette&gt;</c> (or the palette's
/// name alone) its commands with their usage lines, <c>help &lt;palette&gt; &lt;command&gt;</c> one command's arguments.
/// </summary>
internal static class HelpText
{
    /// <summary>Shows the help <paramref name="topic"/> asks for.</summary>
    /// <returns>The exit code: usage when the topic names nothing the node offers.</returns>
    public static int Show(Terminal terminal, ShellFrame.Welcome welcome, IReadOnlyList<string> topic)
    {
        if (topic.Count == 0)
        {
            Palettes(terminal.Out, welcome);
            return ShellErrors.ExitOk;
        }

        var palette = welcome.Palettes.FirstOrDefault(p => p.Name == topic[0]);
        if (palette is null)
        {
            terminal.WriteError($"No palette '{topic[0]}'. Palettes: {string.Join(", ", welcome.Palettes.Select(p => p.Name))}.");
            return ShellErrors.ExitUsage;
        }

        if (topic.Count == 1)
        {
            Commands(terminal.Out, palette);
            return ShellErrors.ExitOk;
        }

        var definition = palette.Find(topic[1]);
        if (definition is null)
        {
            terminal.WriteError($"No command '{topic[1]}' in '{palette.Name}'. Commands: {string.Join(", ", palette.Commands.Select(c => c.Name))}.");
            return ShellErrors.ExitUsage;
        }

        Command(terminal.Out, palette, definition);
        return ShellErrors.ExitOk;
    }

    private static void Palettes(IAnsiConsole console, ShellFrame.Welcome welcome)
    {
        console.WriteLine($"Node {welcome.Node} offers these palettes (usbmesh <palette> <command> [arguments]):");
        Aligned(console, welcome.Palettes.Select(p => (p.Name, p.Description)));
        console.WriteLine();
        console.WriteLine("'usbmesh <palette>' lists a palette's commands; 'usbmesh help <palette> <command>' describes one.");
        console.WriteLine("Client options: --node NAME runs a command on another node of the mesh, --json prints JSON, --socket PATH names the admin socket.");
        console.WriteLine("'usbmesh shell' (or no command) opens a prompt; 'usbmesh demo' runs a two-node demo in this process.");
    }

    private static void Commands(IAnsiConsole console, CommandPalette palette)
    {
        console.WriteLine($"{palette.Name}: {palette.Description}");
        var width = palette.Commands.Max(c => c.Name.Length) + 2;
        foreach (var command in palette.Commands)
        {
            var marks = (command.Name == palette.Default ? " (default)" : "") + (command.RequiresAdmin ? " (admin)" : "");
            console.WriteLine($"  {command.Name.PadRight(width)}{command.Description}{marks}");
            console.WriteLine($"  {new string(' ', width)}{CommandParser.Usage(palette, command)}");
        }
    }

    private static void Command(IAnsiConsole console, CommandPalette palette, CommandDefinition command)
    {
        console.WriteLine($"{palette.Name} {command.Name}: {command.Description}{(command.RequiresAdmin ? " (admin)" : "")}");
        console.WriteLine(CommandParser.Usage(palette, command));
        Aligned(console, command.Arguments.Select(a => (
            a.Position is not null ? $"<{a.Name}>" + (a.Switches.Count > 0 ? $", {string.Join(", ", a.Switches)}" : "") : string.Join(", ", a.Switches),
            a.Description + (a.Mandatory ? " (required)" : "") + (a.Default is { } value ? $" (default: {value})" : ""))));
    }

    private static void Aligned(IAnsiConsole console, IEnumerable<(string Name, string Description)> rows)
    {
        var list = rows.ToList();
        var width = list.Count == 0 ? 0 : list.Max(r => r.Name.Length) + 2;
        foreach (var (name, description) in list)
        {
            console.WriteLine($"  {name.PadRight(width)}{description}");
        }
    }
}
