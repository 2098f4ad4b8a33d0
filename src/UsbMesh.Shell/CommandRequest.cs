namespace UsbMesh.Shell;

/// <summary>
/// One command to run: palette, command and argument values by <see cref="CommandArgument.Name"/>, defaults already
/// filled in. <paramref name="Node"/> names another node of the mesh to run it on (through this node); null runs it
/// here.
/// </summary>
public sealed record CommandRequest(
    string Palette,
    string Command,
    IReadOnlyDictionary<string, string> Arguments,
    string? Node = null)
{
    public string? Get(string name) => Arguments.TryGetValue(name, out var value) ? value : null;

    public bool Flag(string name) => Get(name) is "true";

    public override string ToString() => $"{Palette} {Command}{(Node is null ? "" : $" on {Node}")}";
}
