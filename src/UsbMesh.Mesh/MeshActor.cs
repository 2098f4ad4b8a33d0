using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Membership;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh;

/// <summary>
/// The mesh on this node (<c>/user/mesh</c>): the parent of the membership and the device directory, which peers
/// reach at fixed paths below it. A child that fails is restarted on its own; the mesh state it lost is gossiped back.
/// </summary>
public sealed class MeshActor : ReceiveActor
{
    public const string Name = "mesh";

    public MeshActor(MeshMembership.Settings membership, MeshDirectory.Settings directory, NodeIdentity identity, Func<TrustList> trust, Remoting remoting)
    {
        var directoryActor = Context.ActorOf(DirectoryActor.Props(directory, identity, trust, remoting), "directory");
        var membershipActor = Context.ActorOf(MembershipActor.Props(membership, identity.Id, remoting, directoryActor), "membership");
        Receive<MeshDirectory.LocalDevices>(local => directoryActor.Forward(local));
        Receive<MeshDirectory.GetVisible>(get => directoryActor.Forward(get));
        Receive<MeshMembership.GetState>(get => membershipActor.Forward(get));
        Receive<MeshMembership.Leave>(leave => membershipActor.Forward(leave));
    }

    public static Props Props(MeshMembership.Settings membership, MeshDirectory.Settings directory, NodeIdentity identity, Func<TrustList> trust, Remoting remoting) =>
        Actors.Props.Create(() => new MeshActor(membership, directory, identity, trust, remoting));
}
