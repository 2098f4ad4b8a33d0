using UsbMesh.Mesh.Identity;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Who runs a command: someone who opened the local admin socket (an administrator of this node), or a peer whose
/// identity the mesh's TLS proved.
/// </summary>
/// <param name="Peer">The peer's id; null for the admin socket.</param>
/// <param name="Name">How the node calls it: "admin socket", or the peer's name in the trust list.</param>
public sealed record ShellCaller(NodeId? Peer, string Name)
{
    public static ShellCaller Local { get; } = new(null, "admin socket");

    public bool IsLocal => Peer is null;

    public override string ToString() => IsLocal ? Name : $"peer '{Name}'";
}
