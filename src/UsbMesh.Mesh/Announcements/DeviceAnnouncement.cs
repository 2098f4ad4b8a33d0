using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// What a node says about itself to the mesh: where it can be reached and which devices it shares with whom. Only
/// its origin may issue it (see <see cref="SignedAnnouncement"/>); a newer <see cref="Sequence"/> replaces an older one.
/// </summary>
/// <param name="Origin">The node that issued and signed it.</param>
/// <param name="Name">The origin's own name for itself: for display only, never for trust (any node can claim any name).</param>
/// <param name="Addresses">Where the origin can be reached, each <c>host:port</c>.</param>
/// <param name="RelayCapable">Whether the origin relays between nodes that cannot reach each other.</param>
/// <param name="Sequence">Increases with every announcement the origin issues, across restarts.</param>
/// <param name="IssuedAt">When the origin issued it (millisecond precision on the wire).</param>
/// <param name="ExpiresAt">When it stops counting: the origin re-issues before then, so a silent node's devices vanish.</param>
/// <param name="Devices">The devices the origin exports.</param>
public sealed record DeviceAnnouncement(
    NodeId Origin,
    string Name,
    IReadOnlyList<string> Addresses,
    bool RelayCapable,
    long Sequence,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<AnnouncedDevice> Devices);
