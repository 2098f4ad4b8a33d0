using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>Where undeliverable messages go; each is published on the event stream as a <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef(ActorPath path, ActorSystemImpl system) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    internal override InternalActorRef Parent => this;

    internal override bool IsTerminated => false;

    internal override ActorSystemImpl System { get; } = system;

    protected override void TellInternal(object message, IActorRef? sender) =>
        System.PublishDeadLetter(message, sender, this);

    internal override void SendSystemMessage(SystemMessage message)
    {
        // Watching dead letters is watching something that never lived.
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
        }
    }
}
