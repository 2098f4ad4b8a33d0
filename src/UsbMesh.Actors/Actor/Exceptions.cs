namespace UsbMesh.Actors;

/// <summary>Base of the kernel's exceptions.</summary>
public class ActorsException : Exception
{
    public ActorsException(string message, Exception? cause = null) : base(message, cause)
    {
    }
}

/// <summary>
/// An actor could not be created or (re)initialised: its constructor or <c>PreStart</c> threw, or it was created with
/// <c>new</c> outside <see cref="Props"/>. The default decider stops such an actor rather than retrying.
/// </summary>
public class ActorInitializationException : ActorsException
{
    public ActorInitializationException(string message, Exception? cause = null) : base(message, cause)
    {
    }

    public ActorInitializationException(IActorRef? actor, string message, Exception? cause = null)
        : base(actor is null ? message : $"{actor}: {message}", cause)
    {
        Actor = actor;
    }

    public IActorRef? Actor { get; }
}

/// <summary>The new incarnation failed in its constructor or <c>PostRestart</c> while being restarted.</summary>
public sealed class PostRestartException : ActorInitializationException
{
    public PostRestartException(IActorRef actor, Exception cause, Exception originalCause)
        : base(actor, "exception post restart (" + originalCause.GetType().Name + ")", cause)
    {
        OriginalCause = originalCause;
    }

    public Exception OriginalCause { get; }
}

/// <summary>Raised inside an actor that received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException : ActorsException
{
    public ActorKilledException(string message) : base(message)
    {
    }
}

/// <summary>Raised when an actor does not handle the <see cref="Terminated"/> of an actor it watches.</summary>
public sealed class DeathPactException : ActorsException
{
    public DeathPactException(IActorRef deadActor)
        : base($"Monitored actor {deadActor} terminated and the watcher did not handle Terminated.")
    {
        DeadActor = deadActor;
    }

    public IActorRef DeadActor { get; }
}

/// <summary>An actor name is malformed or already taken by a sibling.</summary>
public sealed class InvalidActorNameException : ActorsException
{
    public InvalidActorNameException(string message) : base(message)
    {
    }
}

/// <summary>No reply arrived within an <c>Ask</c>'s timeout.</summary>
public sealed class AskTimeoutException : ActorsException
{
    public AskTimeoutException(string message) : base(message)
    {
    }
}

/// <summary>An actor used an API in a state that forbids it (e.g. stashing the same message twice).</summary>
public sealed class IllegalActorStateException : ActorsException
{
    public IllegalActorStateException(string message) : base(message)
    {
    }
}
