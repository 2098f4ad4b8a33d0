using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Remote;

/// <summary>
/// A ref to an actor of another node. Messages are serialized and queued for that node's connection; death watch
/// travels as frames, and the node's death (<see cref="Remoting.NodeDown"/>) ends every watch of its actors.
/// </summary>
internal sealed class RemoteActorRef(Remoting remoting, NodeId node, ActorPath path) : InternalActorRef
{
    public NodeId Node { get; } = node;

    public override ActorPath Path { get; } = path;

    internal override InternalActorRef Parent => remoting.System.DeadLettersRef;

    internal override bool IsTerminated => false;

    internal override ActorSystemImpl System => remoting.System;

    protected override void TellInternal(object message, IActorRef? sender) => remoting.Send(this, message, sender);

    internal override void SendSystemMessage(SystemMessage message) => remoting.SendSystem(this, message);
}
