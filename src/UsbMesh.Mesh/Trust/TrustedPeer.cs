using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Trust;

/// <summary>A peer this node talks to.</summary>
/// <param name="Name">How the other settings refer to it (export rules' share-with, relay allow): local, not proof.</param>
/// <param name="Id">Its node id: what the handshake proves.</param>
/// <param name="Admin">Whether it may run admin commands on this node through the mesh.</param>
/// <param name="Origin">Where it was declared: a configuration file's line, or the trust store.</param>
public sealed record TrustedPeer(string Name, NodeId Id, bool Admin, string Origin);
