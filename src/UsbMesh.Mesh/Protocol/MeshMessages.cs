using UsbMesh.Mesh.Remote.Serialization;

namespace UsbMesh.Mesh.Protocol;

/// <summary>Registers the messages of the mesh's own actors (membership, directory) under stable manifests.</summary>
public static class MeshMessages
{
    public static MessageSerializers Register(MessageSerializers serializers) => serializers
        .Register("mesh.directory.digest", MeshJson.Default.Digest)
        .Register("mesh.directory.offers", MeshJson.Default.Offers)
        .Register("mesh.membership.join", MeshJson.Default.Join)
        .Register("mesh.membership.heartbeat", MeshJson.Default.Heartbeat)
        .Register("mesh.membership.gossip", MeshJson.Default.Gossip);
}
