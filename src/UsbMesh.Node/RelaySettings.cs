using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Node;

/// <summary>Whether this node forwards traffic between peers that cannot reach each other (<c>usbmesh.mesh.relay</c>).</summary>
/// <param name="Enabled">Whether it relays at all.</param>
/// <param name="Allow">Peers allowed to relay through it, by trust name, or <c>*</c> for every trusted peer.</param>
public sealed record RelaySettings(bool Enabled, IReadOnlyList<string> Allow)
{
    /// <summary>Whether <paramref name="peer"/> may relay through this node: it must be trusted, and named in
    /// <see cref="Allow"/> unless that says <c>*</c>.</summary>
    /// <param name="trust">The current trust list, which gives the peer its name.</param>
    /// <param name="peer">The peer asking.</param>
    public bool Allows(TrustList trust, NodeId peer) =>
        trust.Find(peer) is { } trusted && (Allow.Contains(TrustList.EveryPeer) || Allow.Contains(trusted.Name));
}
