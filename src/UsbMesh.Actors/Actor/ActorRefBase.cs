using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>
/// Base of every ref the kernel hands out. Two refs are equal when path and uid agree, so a ref to a stopped actor
/// never equals the ref of a new actor created under the same name.
/// </summary>
internal abstract class InternalActorRef : IActorRef
{
    public abstract ActorPath Path { get; }

    /// <summary>The supervisor; a ref whose parent is itself marks the top of the tree.</summary>
    internal abstract InternalActorRef Parent { get; }

    internal abstract bool IsTerminated { get; }

    /// <summary>The system this ref belongs to; null for refs shared by all systems (Nobody).</summary>
    internal virtual ActorSystemImpl? System => null;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        TellInternal(message, sender);
    }

    protected abstract void TellInternal(object message, IActorRef? sender);

    internal abstract void SendSystemMessage(SystemMessage message);

    /// <summary>For a temporary actor (an ask's sender): completes when it can receive nothing more; null otherwise.</summary>
    internal virtual Task? Completion => null;

    internal void Stop() => SendSystemMessage(Dispatch.Terminate.Instance);

    internal void Suspend() => SendSystemMessage(Dispatch.Suspend.Instance);

    internal void Resume(Exception? causedByFailure) => SendSystemMessage(new Resume(causedByFailure));

    internal void Restart(Exception cause) => SendSystemMessage(new Recreate(cause));

    public bool Equals(IActorRef? other) =>
        other is not null && Path.Uid == other.Path.Uid && Path.Equals(other.Path);

    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Path.Uid, Path);

    public int CompareTo(IActorRef? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byPath = Path.CompareTo(other.Path);
        return byPath != 0 ? byPath : Path.Uid.CompareTo(other.Path.Uid);
    }

    public int CompareTo(object? obj) => obj is IActorRef other ? CompareTo(other) : 1;

    public override string ToString() => Path.Uid == 0 ? $"[{Path}]" : $"[{Path}#{Path.Uid}]";
}

/// <summary>The ref of an actor hosted in this process.</summary>
internal sealed class LocalActorRef : InternalActorRef
{
    internal LocalActorRef(ActorPath path, InternalActorRef parent)
    {
        Path = path;
        Parent = parent;
    }

    public override ActorPath Path { get; }

    internal override InternalActorRef Parent { get; }

    internal ActorCell Cell { get; set; } = null!;

    internal override bool IsTerminated => Cell.IsTerminated;

    internal override ActorSystemImpl System => Cell.SystemImpl;

    protected override void TellInternal(object message, IActorRef? sender) => Cell.Post(message, sender);

    internal override void SendSystemMessage(SystemMessage message) => Cell.SendSystemMessage(message);
}

/// <summary>A ref that swallows everything (<see cref="ActorRefs.Nobody"/>).</summary>
internal sealed class Nobody : InternalActorRef
{
    public static readonly Nobody Instance = new();

    private static readonly ActorPath NobodyPath = ActorPath.Root(new Address("usbmesh", "all-systems")) / "Nobody";

    public override ActorPath Path => NobodyPath;

    internal override InternalActorRef Parent => this;

    internal override bool IsTerminated => true;

    protected override void TellInternal(object message, IActorRef? sender)
    {
    }

    internal override void SendSystemMessage(SystemMessage message)
    {
        // A watcher of nobody learns at once that there is nothing to watch.
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
        }
    }
}
