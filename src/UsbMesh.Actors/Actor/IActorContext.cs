namespace UsbMesh.Actors;

/// <summary>A handler that returns false for messages it does not handle.</summary>
public delegate bool Receive(object message);

/// <summary>Creates actors: the system (top-level actors) and every actor's context (children).</summary>
public interface IActorRefFactory
{
    /// <summary>Creates an actor; with no name, a unique one starting with <c>$</c> is generated.</summary>
    IActorRef ActorOf(Props props, string? name = null);
}

/// <summary>What an actor knows about itself while it runs. Use it only from the actor's own message handling.</summary>
public interface IActorContext : IActorRefFactory
{
    IActorRef Self { get; }

    /// <summary>The sender of the message being processed; dead letters when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    Props Props { get; }

    /// <summary>The current receive timeout, or null when none is set.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>The child with this name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    IEnumerable<IActorRef> GetChildren();

    /// <summary>Registers for a <see cref="Terminated"/> when <paramref name="subject"/> stops (at once if already dead).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Cancels a watch; a <see cref="Terminated"/> already queued for the subject is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Stops a child, or this actor itself, asynchronously.</summary>
    void Stop(IActorRef actor);

    /// <summary>Sends <see cref="Actors.ReceiveTimeout"/> after this much inactivity; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    void UnbecomeStacked();
}

public static class ActorRefFactoryExtensions
{
    /// <summary>Creates an actor of a type with a public parameterless constructor.</summary>
    public static IActorRef ActorOf<TActor>(this IActorRefFactory factory, string? name = null)
        where TActor : ActorBase, new() =>
        factory.ActorOf(Props.Create(() => new TActor()), name);
}
