namespace UsbMesh.Shell;

/// <summary>A group of commands under one name, the first word of a command line (<c>devices</c>, <c>peers</c>).</summary>
/// <param name="Name">The first word of its command lines.</param>
/// <param name="Description">One line for help and completion.</param>
/// <param name="Commands">What it offers.</param>
/// <param name="Default">
/// The command run when the word after the palette's name is not one of its commands, so that a palette with one
/// main action reads as a verb: <c>usbmesh attach hub/1-1</c> runs <c>attach device hub/1-1</c>.
/// </param>
public sealed record CommandPalette(string Name, string Description, IReadOnlyList<CommandDefinition> Commands, string? Default = null)
{
    public CommandDefinition? Find(string command) => Commands.FirstOrDefault(c => c.Name == command);
}
