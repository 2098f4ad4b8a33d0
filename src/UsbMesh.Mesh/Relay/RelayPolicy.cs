using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Relay;

/// <summary>Whether this node relays, and for whom (<c>usbmesh.mesh.relay</c>).</summary>
/// <param name="Enabled">Whether it relays at all.</param>
/// <param name="Allows">Whether a peer may relay through this node (its <c>allow</c> list, resolved to ids).</param>
public sealed record RelayPolicy(bool Enabled, Func<NodeId, bool> Allows)
{
    /// <summary>A node that relays for nobody; it still answers, so that a peer learns why.</summary>
    public static RelayPolicy Disabled { get; } = new(false, _ => false);

    /// <summary>Why <paramref name="origin"/> may not relay through this node, or null when it may.</summary>
    /// <param name="origin">The peer asking, as its transport proved it.</param>
    public string? RefusalOf(NodeId origin) =>
        !Enabled ? "this node does not relay (usbmesh.mesh.relay.enabled = off)"
        : !Allows(origin) ? $"node {origin.Short} may not relay through this node (usbmesh.mesh.relay.allow)"
        : null;
}
