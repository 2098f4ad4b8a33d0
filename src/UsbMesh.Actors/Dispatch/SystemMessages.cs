namespace UsbMesh.Actors.Dispatch;

/// <summary>
/// Messages the kernel sends to cells about lifecycle, supervision and death watch. They have their own queue and are
/// processed before user messages, even while the actor is suspended.
/// </summary>
internal abstract record SystemMessage;

internal sealed record Create : SystemMessage
{
    public static readonly Create Instance = new();
}

/// <summary>The supervisor decided to restart the actor after <paramref name="Cause"/>.</summary>
internal sealed record Recreate(Exception Cause) : SystemMessage;

/// <summary>Stop processing user messages until a matching <see cref="Resume"/>.</summary>
internal sealed record Suspend : SystemMessage
{
    public static readonly Suspend Instance = new();
}

/// <summary>Undo one <see cref="Suspend"/>; <paramref name="CausedByFailure"/> is set when resuming after a failure.</summary>
internal sealed record Resume(Exception? CausedByFailure) : SystemMessage;

internal sealed record Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}

internal sealed record Watch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;

internal sealed record Unwatch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;

internal sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated)
    : SystemMessage;

/// <summary>A child reports its failure to its supervisor.</summary>
internal sealed record Failed(InternalActorRef Child, Exception Cause, int Uid) : SystemMessage;

/// <summary>A continuation of an async handler, run inside the actor like a message.</summary>
internal sealed record RunContinuation(SendOrPostCallback Callback, object? State) : SystemMessage;

/// <summary>The task of an async handler ended; the mailbox may go on.</summary>
internal sealed record AsyncHandlerCompleted(Task Task) : SystemMessage;
