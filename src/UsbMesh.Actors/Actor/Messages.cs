namespace UsbMesh.Actors;

/// <summary>Messages the kernel handles itself before the actor's behaviour sees them.</summary>
internal interface IAutoReceivedMessage;

/// <summary>Marks messages that must not reset the receive timeout (e.g. periodic ticks).</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Stops the receiver once it is processed, after the messages queued before it.</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    public static readonly PoisonPill Instance = new();

    private PoisonPill()
    {
    }

    public override string ToString() => "<PoisonPill>";
}

/// <summary>Makes the receiver fail with <see cref="ActorKilledException"/>; its supervisor decides (stop by default).</summary>
public sealed class Kill : IAutoReceivedMessage
{
    public static readonly Kill Instance = new();

    private Kill()
    {
    }

    public override string ToString() => "<Kill>";
}

/// <summary>Delivered to watchers when a watched actor has stopped.</summary>
/// <param name="ActorRef">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">False when the actor was never known to exist (e.g. watching Nobody).</param>
/// <param name="AddressTerminated">True when the verdict comes from losing the actor's node.</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated)
    : IAutoReceivedMessage;

/// <summary>Sent to an actor that has received nothing for its configured receive timeout.</summary>
public sealed class ReceiveTimeout
{
    public static readonly ReceiveTimeout Instance = new();

    private ReceiveTimeout()
    {
    }

    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Asks any actor for its ref; it answers <see cref="ActorIdentity"/>.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage;

/// <summary>The answer to <see cref="Identify"/>; <see cref="Subject"/> is null when no actor answered.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>Outcome messages, as sent by <c>PipeTo</c> and expected by <c>Ask</c>.</summary>
public static class Status
{
    public sealed record Success(object? Status);

    /// <summary>Replying with this to an <c>Ask</c> fails the asker's task with <see cref="Cause"/>.</summary>
    public sealed record Failure(Exception Cause, object? State = null);
}

/// <summary>A message that could not be delivered, published on the event stream.</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>A message no behaviour of the recipient handled, published on the event stream.</summary>
public sealed record UnhandledMessage(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>Marks completion of work that has no result.</summary>
public sealed class Done
{
    public static readonly Done Instance = new();

    private Done()
    {
    }
}
