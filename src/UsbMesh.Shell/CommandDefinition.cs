namespace UsbMesh.Shell;

/// <summary>A shell command as data: what the node offers, what the client parses and completes against.</summary>
/// <param name="Name">Its name within its palette (<c>list</c> in <c>devices list</c>).</param>
/// <param name="Description">One line for help and completion.</param>
/// <param name="Arguments">What it takes.</param>
/// <param name="RequiresAdmin">
/// Whether it changes the node (attach, trust, share, kill...). Peers over the mesh run it only with the admin right
/// of the trust list; read-only commands are open to every trusted peer.
/// </param>
public sealed record CommandDefinition(
    string Name,
    string Description,
    IReadOnlyList<CommandArgument> Arguments,
    bool RequiresAdmin = false)
{
    public CommandArgument? Find(string name) => Arguments.FirstOrDefault(a => a.Name == name);
}
