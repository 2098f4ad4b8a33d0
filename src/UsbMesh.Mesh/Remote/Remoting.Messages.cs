using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote.Serialization;
using UsbMesh.Mesh.Remote.Wire;

namespace UsbMesh.Mesh.Remote;

/// <summary>Envelopes and death-watch frames, out and in.</summary>
public sealed partial class Remoting
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _encoding;

    private readonly PathCache _paths = new();

    /// <summary>The wire form of local actors' paths, made once per actor (a sender is named in every message).</summary>
    private readonly ConditionalWeakTable<IActorRef, string> _localPaths = [];

    /// <summary>Serializes and queues a message for the node of <paramref name="recipient"/>; what cannot be sent
    /// (no serializer, too large, queue full) goes to dead letters with a warning.</summary>
    internal void Send(RemoteActorRef recipient, object message, IActorRef? sender)
    {
        byte[] frame;
        try
        {
            var (serializer, manifest) = _serializers.For(message);
            var output = StartFrame(FrameKind.Message, recipient.Path.ToSerializationFormat(), sender is null ? "" : SerializedPath(sender), out var start);
            RemoteFrameCodec.WriteMessageHeader(output, serializer.Id, manifest);
            using (RemoteRefScope.Enter(this))
            {
                serializer.Write(message, manifest, output);
            }

            frame = FinishFrame(output, start);
        }
        catch (Exception e) when (e is MessageSerializationException or JsonException or NotSupportedException)
        {
            Undeliverable(recipient, message, sender, e.Message);
            return;
        }

        if (frame.Length - RemoteFrameCodec.LengthPrefix > Settings.MaximumMessageSize)
        {
            Undeliverable(recipient, message, sender, $"{frame.Length} bytes exceed usbmesh.remote.maximum-message-size ({Settings.MaximumMessageSize})");
        }
        else if (!EndpointFor(recipient.Node).Enqueue(frame))
        {
            Undeliverable(recipient, message, sender, $"the send buffer for node {recipient.Node.Short} is full (usbmesh.remote.send-buffer-size)");
        }
    }

    /// <summary>Death watch between a local actor and one of another node, as frames.</summary>
    internal void SendSystem(RemoteActorRef remote, SystemMessage message)
    {
        switch (message)
        {
            case Watch watch when watch.Watchee.Equals(remote):
                _watches.Add(remote, watch.Watcher);
                EnqueueControl(remote.Node, FrameKind.Watch, remote.Path.ToSerializationFormat(), SerializedPath(watch.Watcher));
                break;
            case Unwatch unwatch when unwatch.Watchee.Equals(remote):
                _watches.Remove(remote, unwatch.Watcher);
                EnqueueControl(remote.Node, FrameKind.Unwatch, remote.Path.ToSerializationFormat(), SerializedPath(unwatch.Watcher));
                break;
            case DeathWatchNotification death:
                // A local actor watched from that node has stopped; the remote ref is its watcher.
                EnqueueControl(remote.Node, FrameKind.Terminated, remote.Path.ToSerializationFormat(), SerializedPath(death.Actor), death.ExistenceConfirmed);
                break;
        }
    }

    /// <summary>Handles a frame from <paramref name="from"/>. Its origin must be an actor of that node: a peer cannot
    /// speak for another one.</summary>
    internal void Dispatch(NodeId from, in RemoteFrame frame)
    {
        if (!TryParseRemote(frame.Origin, from, out var origin))
        {
            System.Log.Warning("Node {0} sent a {1} frame on behalf of [{2}], which is not one of its actors; ignored", from.Short, frame.Kind, frame.Origin);
            return;
        }

        var target = ResolveLocalTarget(frame.Target);
        switch (frame.Kind)
        {
            case FrameKind.Message:
                DeliverMessage(from, frame, target, origin);
                break;
            case FrameKind.Watch when origin is not null:
                if (target is null)
                {
                    EnqueueControl(from, FrameKind.Terminated, frame.Origin, frame.Target, existenceConfirmed: false);
                }
                else
                {
                    target.SendSystemMessage(new Watch(target, origin));
                }

                break;
            case FrameKind.Unwatch when origin is not null:
                target?.SendSystemMessage(new Unwatch(target, origin));
                break;
            case FrameKind.Terminated when origin is not null && target is not null:
                var watched = _watches.Take(from, origin.Path, target) ?? origin;
                target.SendSystemMessage(new DeathWatchNotification(watched, frame.ExistenceConfirmed, AddressTerminated: false));
                break;
        }
    }

    /// <summary>The ref a path read from a message names: a local actor (dead letters when it is gone) or a remote one.</summary>
    internal IActorRef? ResolveRef(string? text)
    {
        if (!_paths.TryParse(text, out var path) || path.Address.Protocol != Protocol)
        {
            return null;
        }

        if (path.Address.System == _selfSystem)
        {
            return System.ResolveLocal(path.Elements, path.Uid) ?? (IActorRef)System.DeadLettersRef;
        }

        return NodeId.TryParse(path.Address.System, out var node, out _) ? new RemoteActorRef(this, node, path) : null;
    }

    /// <summary>The full path of <paramref name="actor"/> as other nodes must see it.</summary>
    internal string SerializedPath(IActorRef actor)
    {
        switch (actor)
        {
            case RemoteActorRef remote:
                return remote.Path.ToSerializationFormat();
            case InternalActorRef local when local.Path.Address.Host is null:
                System.ExposeTempActor(local);
                return _localPaths.GetValue(local, WirePathOf);
            default:
                return "";
        }
    }

    private string WirePathOf(IActorRef local)
    {
        var path = local.Path;
        var rooted = ActorPath.Root(SelfAddress);
        foreach (var element in path.Elements)
        {
            rooted = rooted.Child(element);
        }

        return path.Uid == 0 ? rooted.ToString() : $"{rooted}#{path.Uid}";
    }

    private InternalActorRef? ResolveLocalTarget(string text) =>
        _paths.TryParse(text, out var path) && path.Address.System == _selfSystem ? System.ResolveLocal(path.Elements, path.Uid) : null;

    /// <summary>Parses an origin path, which must be empty (no sender) or an actor of <paramref name="from"/>.</summary>
    private bool TryParseRemote(string text, NodeId from, out RemoteActorRef? origin)
    {
        origin = null;
        if (text.Length == 0)
        {
            return true;
        }

        if (!_paths.TryParse(text, out var path) || path.Address.Protocol != Protocol || path.Address.System != from.ToString())
        {
            return false;
        }

        origin = new RemoteActorRef(this, from, path);
        return true;
    }

    private void DeliverMessage(NodeId from, in RemoteFrame frame, InternalActorRef? recipient, RemoteActorRef? sender)
    {
        object message;
        try
        {
            using (RemoteRefScope.Enter(this))
            {
                message = _serializers.Read(frame.SerializerId, frame.Manifest, frame.Payload.Span);
            }
        }
        catch (Exception e) when (e is MessageSerializationException or JsonException or NotSupportedException)
        {
            System.Log.Warning("Dropped a message from node {0} for [{1}]: {2}", from.Short, frame.Target, e.Message);
            return;
        }

        if (recipient is null)
        {
            System.PublishDeadLetter(message, sender, System.DeadLettersRef);
            return;
        }

        recipient.Tell(message, sender);
    }

    private void EnqueueControl(NodeId node, FrameKind kind, string target, string origin, bool existenceConfirmed = false)
    {
        var output = StartFrame(kind, target, origin, out var start);
        if (kind == FrameKind.Terminated)
        {
            RemoteFrameCodec.WriteFlag(output, existenceConfirmed);
        }

        if (!EndpointFor(node).Enqueue(FinishFrame(output, start)))
        {
            System.Log.Warning("A {0} frame for node {1} was dropped: its send buffer is full", kind, node.Short);
        }
    }

    private static ArrayBufferWriter<byte> StartFrame(FrameKind kind, string target, string origin, out int start)
    {
        var output = _encoding ??= new ArrayBufferWriter<byte>(4096);
        output.ResetWrittenCount();
        start = RemoteFrameCodec.BeginFrame(output, kind, target, origin);
        return output;
    }

    private static byte[] FinishFrame(ArrayBufferWriter<byte> output, int start)
    {
        RemoteFrameCodec.EndFrame(output, start);
        var frame = output.WrittenSpan[start..].ToArray();
        if (output.Capacity > 1 << 20)
        {
            // One huge message must not pin a huge buffer to this thread for ever.
            _encoding = null;
        }

        return frame;
    }

    private void Undeliverable(RemoteActorRef recipient, object message, IActorRef? sender, string reason)
    {
        System.Log.Warning("A {0} for {1} was not sent: {2}", message.GetType().Name, recipient, reason);
        System.PublishDeadLetter(message, sender, recipient);
    }
}
