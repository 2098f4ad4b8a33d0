namespace UsbMesh.Actors;

/// <summary>
/// The base of every actor. An actor is only ever created by the kernel from <see cref="Props"/>: calling its
/// constructor anywhere else throws <see cref="ActorInitializationException"/>.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.TakeConstructingCell() ?? throw new ActorInitializationException(
            $"Do not create actors with 'new' ({GetType().Name}); create them with ActorOf(Props.Create(...)).");
        _cell.OnActorConstructing(this);
    }

    /// <summary>This actor's context: self, sender, children, watch, behaviour.</summary>
    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being processed; dead letters when there is none.</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>Handles one message; returns false when it does not handle it.</summary>
    protected abstract bool Receive(object message);

    /// <summary>Called for messages no behaviour handled: an unhandled <see cref="Terminated"/> is a
    /// <see cref="DeathPactException"/>, anything else is published as <see cref="UnhandledMessage"/>.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }

        _cell.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));
    }

    /// <summary>Runs before the first message, in the new actor's context.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs after the actor and all its children have stopped.</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Runs on the failed instance before a restart. By default it stops all children and calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Runs on the new instance after a restart. By default it calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children; <see cref="Props.SupervisorStrategy"/> takes precedence.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    protected void Become(Receive receive) => Context.Become(receive);

    protected void BecomeStacked(Receive receive) => Context.BecomeStacked(receive);

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    protected void SetReceiveTimeout(TimeSpan? timeout) => Context.SetReceiveTimeout(timeout);

    // The kernel's entry points into the protected hooks, so that user actors override them as plain protected members.
    internal bool AroundReceive(object message) => Receive(message);

    internal void AroundUnhandled(object message) => Unhandled(message);

    internal void AroundPreStart() => PreStart();

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void AroundPostRestart(Exception reason) => PostRestart(reason);

    internal SupervisorStrategy SupervisorStrategyInternal => SupervisorStrategy();

    /// <summary>Hook for actor bases that finish configuring once the constructor has run.</summary>
    internal virtual void OnConstructed()
    {
    }
}
