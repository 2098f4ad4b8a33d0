using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>One command as the host runs it: its definition (data the client downloads) and its handler.</summary>
public sealed record ShellCommand(CommandDefinition Definition, Func<ShellInvocation, Task> Run);

/// <summary>A command being run: the checked request, who asked, where its output goes, and its cancellation.</summary>
public sealed record ShellInvocation(CommandRequest Request, ShellCaller Caller, ShellOutput Output, CancellationToken Cancellation)
{
    /// <summary>The value of argument <paramref name="name"/>, which the definition makes mandatory or defaults.</summary>
    public string Required(string name) =>
        Request.Get(name) ?? throw ShellCommandException.Usage($"'{Request.Palette} {Request.Command}' needs <{name}>.");
}

/// <summary>A palette with the handlers of its commands.</summary>
public sealed class ShellPalette(string name, string description, IReadOnlyList<ShellCommand> commands, string? defaultCommand = null)
{
    public CommandPalette Definition { get; } = new(name, description, [.. commands.Select(c => c.Definition)], defaultCommand);

    public string Name => Definition.Name;

    public ShellCommand? Find(string command) => commands.FirstOrDefault(c => c.Definition.Name == command);
}

/// <summary>Shorthands for declaring arguments.</summary>
internal static class Arg
{
    /// <summary>An argument given by position (or by its switch).</summary>
    public static CommandArgument Positional(string name, string description, int position, bool mandatory = true, string? defaultValue = null) =>
        new(name, description, [$"--{name}"], mandatory, Default: defaultValue, Position: position);

    /// <summary>An argument given by its switch.</summary>
    public static CommandArgument Switch(string name, string description, bool mandatory = false, string? defaultValue = null, string? shortSwitch = null) =>
        new(name, description, shortSwitch is null ? [$"--{name}"] : [shortSwitch, $"--{name}"], mandatory, Default: defaultValue);

    /// <summary>A switch without a value.</summary>
    public static CommandArgument Flag(string name, string description) => new(name, description, [$"--{name}"], IsFlag: true);
}
