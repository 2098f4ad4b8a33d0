using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Remote;

/// <summary>Published on the event stream when a connection to <paramref name="RemoteNode"/> is established.</summary>
/// <param name="RemoteNode">The node, as its handshake proved.</param>
/// <param name="Inbound">Whether the other node opened it.</param>
public sealed record AssociatedEvent(NodeId RemoteNode, bool Inbound);

/// <summary>Published when the connection to <paramref name="RemoteNode"/> ends; remoting reconnects on its own.</summary>
/// <param name="RemoteNode">The node.</param>
/// <param name="Reason">Why it ended.</param>
public sealed record DisassociatedEvent(NodeId RemoteNode, string Reason);
