using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>
/// Death watch. A watcher registers with the subject; when the subject dies it sends every watcher a
/// <see cref="DeathWatchNotification"/>, which the watcher turns into a <see cref="Actors.Terminated"/> user message,
/// unless it unwatched in the meantime.
/// </summary>
internal sealed partial class ActorCell
{
    private readonly HashSet<IActorRef> _watching = [];
    private readonly HashSet<IActorRef> _watchedBy = [];
    private readonly HashSet<IActorRef> _terminatedQueued = [];

    public IActorRef Watch(IActorRef subject)
    {
        if (subject is InternalActorRef target && !target.Equals(SelfRef) && _watching.Add(target))
        {
            target.SendSystemMessage(new Dispatch.Watch(target, SelfRef));
        }

        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (subject is InternalActorRef target && _watching.Remove(target))
        {
            target.SendSystemMessage(new Dispatch.Unwatch(target, SelfRef));
        }

        _terminatedQueued.Remove(subject);
        return subject;
    }

    private void AddWatcher(InternalActorRef watchee, InternalActorRef watcher)
    {
        if (watchee.Equals(SelfRef) && !watcher.Equals(SelfRef))
        {
            _watchedBy.Add(watcher);
        }
    }

    private void RemoveWatcher(InternalActorRef watchee, InternalActorRef watcher)
    {
        if (watchee.Equals(SelfRef))
        {
            _watchedBy.Remove(watcher);
        }
    }

    private void WatchedActorTerminated(DeathWatchNotification notification)
    {
        var actor = notification.Actor;
        if (_watching.Remove(actor) && !IsTerminating)
        {
            _terminatedQueued.Add(actor);
            SelfRef.Tell(new Actors.Terminated(actor, notification.ExistenceConfirmed, notification.AddressTerminated), actor);
        }

        HandleChildTerminated(actor);
    }

    private void TellWatchersWeDied()
    {
        var notification = new DeathWatchNotification(SelfRef, ExistenceConfirmed: true, AddressTerminated: false);
        foreach (var watcher in _watchedBy)
        {
            // The parent has already been told, as supervisor.
            if (!watcher.Equals(SelfRef.Parent))
            {
                ((InternalActorRef)watcher).SendSystemMessage(notification);
            }
        }

        _watchedBy.Clear();
    }

    private void UnwatchWatchedActors()
    {
        foreach (var watched in _watching)
        {
            ((InternalActorRef)watched).SendSystemMessage(new Dispatch.Unwatch((InternalActorRef)watched, SelfRef));
        }

        _watching.Clear();
        _terminatedQueued.Clear();
    }
}
