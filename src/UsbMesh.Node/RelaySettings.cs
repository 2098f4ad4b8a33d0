namespace UsbMesh.Node;

/// <summary>Whether this node forwards traffic between peers that cannot reach each other (<c>usbmesh.mesh.relay</c>).</summary>
/// <param name="Enabled">Whether it relays at all.</param>
/// <param name="Allow">Peers allowed to relay through it, by trust name, or <c>*</c> for every trusted peer.</param>
public sealed record RelaySettings(bool Enabled, IReadOnlyList<string> Allow);
