using System.Text.Json.Serialization;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Remote.Serialization;

namespace UsbMesh.Mesh.Protocol;

/// <summary>Source-generated JSON metadata of the messages nodes exchange about the mesh itself.</summary>
[JsonSerializable(typeof(MeshDirectory.Digest))]
[JsonSerializable(typeof(MeshDirectory.Offers))]
[JsonSerializable(typeof(MeshMembership.Join))]
[JsonSerializable(typeof(MeshMembership.Heartbeat))]
[JsonSerializable(typeof(MeshMembership.Gossip))]
[JsonSourceGenerationOptions(Converters = [typeof(ActorRefJsonConverter)])]
internal sealed partial class MeshJson : JsonSerializerContext;
