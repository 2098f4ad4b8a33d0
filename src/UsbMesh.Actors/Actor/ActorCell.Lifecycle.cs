using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>Creation, stop and the hand-over of what a dead actor leaves behind.</summary>
internal sealed partial class ActorCell
{
    private static readonly Receive NotYetConstructed = _ => false;

    /// <summary>The instance whose constructor ran during the current factory call, to reject reused instances.</summary>
    private ActorBase? _constructed;

    private void CreateActor()
    {
        try
        {
            _actor = NewActorInstance();
            _actor.AroundPreStart();
        }
        catch (Exception e)
        {
            // A half-started instance is never used: a resume or restart builds a new one, and it gets no PostStop.
            _actor = null;
            _behavior = null;
            HandleInvokeFailure(new ActorInitializationException(SelfRef, "exception during creation", e));
        }
    }

    /// <summary>Called from <see cref="ActorBase"/>'s constructor, before the actor's own constructor body runs, so
    /// that a stash and timers are usable there.</summary>
    internal void OnActorConstructing(ActorBase actor)
    {
        _constructed = actor;
        InjectStash(actor);
        InjectTimers(actor);
    }

    /// <summary>Runs the Props factory with this cell as the one an <see cref="ActorBase"/> constructor may bind to.</summary>
    private ActorBase NewActorInstance()
    {
        ActorBase actor;
        // The constructor may already Become: it pushes onto a stack whose bottom is filled in once the actor exists.
        _behaviorStack.Clear();
        _behaviorStack.Add(NotYetConstructed);
        _constructingCell = this;
        try
        {
            actor = Props.NewActor();
        }
        catch
        {
            _behavior = null;
            throw;
        }
        finally
        {
            _constructingCell = null;
        }

        var constructed = _constructed;
        _constructed = null;
        if (!ReferenceEquals(actor, constructed))
        {
            throw new ActorInitializationException(SelfRef,
                $"The Props factory of {Props.Type.Name} returned an existing instance; it must create a new one each call.");
        }

        actor.OnConstructed();
        _behaviorStack[0] = actor.AroundReceive;
        _behavior = _behaviorStack[^1];
        return actor;
    }

    /// <summary>Starts stopping: children first, then this actor once the last child has reported its death.</summary>
    private void Terminate()
    {
        if (IsTerminating)
        {
            return;
        }

        Volatile.Write(ref _state, Terminating);
        CancelReceiveTimeout();
        if (StopAllChildren() == 0)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        var actor = _actor;
        try
        {
            actor?.AroundPostStop();
        }
        catch (Exception e)
        {
            PublishError(e, "PostStop failed");
        }
        finally
        {
            CancelTimers();
            _actor = null;
            _behavior = null;
            _behaviorStack.Clear();
            Volatile.Write(ref _state, Terminated);
            Mailbox.Close();
            DrainSystemMessagesAfterDeath();
            DrainUserMessagesToDeadLetters();
            DrainStashToDeadLetters();
            SelfRef.Parent.SendSystemMessage(new DeathWatchNotification(SelfRef, ExistenceConfirmed: true, AddressTerminated: false));
            TellWatchersWeDied();
            UnwatchWatchedActors();
            _system.EventStream.Unsubscribe(SelfRef);
        }
    }

    /// <summary>Answers what reaches a dead actor: a late watcher learns of the death at once, the rest is dropped.</summary>
    private void DrainSystemMessagesAfterDeath()
    {
        while (Mailbox.TryDequeueSystem(out var message))
        {
            if (message is Watch watch && watch.Watchee.Equals(SelfRef))
            {
                watch.Watcher.SendSystemMessage(new DeathWatchNotification(SelfRef, ExistenceConfirmed: true, AddressTerminated: false));
            }
        }
    }

    private void DrainUserMessagesToDeadLetters()
    {
        while (Mailbox.TryDequeue(out var envelope))
        {
            _system.PublishDeadLetter(envelope.Message, envelope.Sender, SelfRef);
        }
    }
}
