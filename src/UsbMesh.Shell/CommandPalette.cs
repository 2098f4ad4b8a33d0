namespace UsbMesh.Shell;

/// <summary>A group of commands under one name, the first word of a command line (<c>devices</c>, <c>peers</c>).</summary>
public sealed record CommandPalette(string Name, string Description, IReadOnlyList<CommandDefinition> Commands)
{
    public CommandDefinition? Find(string command) => Commands.FirstOrDefault(c => c.Name == command);
}
