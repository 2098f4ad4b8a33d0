using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>Creation, stop and the hand-over of what a dead actor leaves behind.</summary>
internal sealed partial class ActorCell
{
    private void CreateActor()
    {
        try
        {
            _actor = NewActorInstance();
            _actor.PreStart();
        }
        catch (Exception e)
        {
            HandleInvokeFailure(new ActorInitializationException(SelfRef, "exception during creation", e));
        }
    }

    /// <summary>Runs the Props factory with this cell as the one an <see cref="ActorBase"/> constructor may bind to.</summary>
    private ActorBase NewActorInstance()
    {
        ActorBase actor;
        _constructingCell = this;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            _constructingCell = null;
        }

        if (!ReferenceEquals(actor.Cell, this))
        {
            throw new ActorInitializationException(SelfRef,
                $"The Props factory of {Props.Type.Name} returned an existing instance; it must create a new one each call.");
        }

        actor.OnConstructed();
        _behaviorStack.Clear();
        _behaviorStack.Add(actor.Receive);
        _behavior = _behaviorStack[0];
        InjectStash(actor);
        InjectTimers(actor);
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
            actor?.PostStop();
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
