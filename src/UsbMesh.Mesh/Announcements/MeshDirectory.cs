using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>The protocol of <see cref="DirectoryActor"/>: this node's devices in, the mesh's visible devices out, and
/// the digest exchange between the directory actors of two nodes.</summary>
public static class MeshDirectory
{
    /// <summary>Where every node's directory actor lives.</summary>
    public const string ActorPath = "/user/mesh/directory";

    /// <summary>The devices this node exports now (replaces the previous list).</summary>
    public sealed record LocalDevices(IReadOnlyList<ExportedDevice> Devices);

    /// <summary>Asks for <see cref="Visible"/>.</summary>
    public sealed record GetVisible
    {
        public static readonly GetVisible Instance = new();
    }

    /// <summary>The devices of other nodes this node may see and import.</summary>
    public sealed record Visible(IReadOnlyList<VisibleDevice> Devices);

    /// <summary>Published on the event stream when <see cref="Visible"/> changes.</summary>
    public sealed record VisibleChanged(IReadOnlyList<VisibleDevice> Devices);

    /// <summary>The membership's verdict that a node is down: its devices are hidden until it is up again.</summary>
    public sealed record OriginDown(NodeId Node);

    /// <summary>A node is a member again.</summary>
    public sealed record OriginUp(NodeId Node);

    /// <summary>Between nodes: the sequence of each origin's announcement the sender holds (origin id as text).</summary>
    public sealed record Digest(IReadOnlyDictionary<string, long> Sequences);

    /// <summary>Between nodes: signed announcements, in their wire form, the receiver lacked.</summary>
    public sealed record Offers(IReadOnlyList<byte[]> Announcements);

    /// <summary>This node's part of its announcements: its name, where it is reached, whether it relays, and timing.</summary>
    public sealed record Settings(string NodeName, IReadOnlyList<string> Addresses, bool RelayCapable, TimeSpan GossipInterval, TimeSpan AnnouncementTtl);
}
