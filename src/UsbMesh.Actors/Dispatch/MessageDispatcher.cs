namespace UsbMesh.Actors.Dispatch;

/// <summary>Decides which thread runs a mailbox.</summary>
internal abstract class MessageDispatcher(string id, int throughput)
{
    public string Id { get; } = id;

    /// <summary>User messages one run may process before the thread is given back.</summary>
    public int Throughput { get; } = throughput > 0 ? throughput : int.MaxValue;

    /// <summary>Called once when an actor's mailbox is created, before anything is scheduled.</summary>
    internal virtual void Attach(Mailbox mailbox)
    {
    }

    /// <summary>Arranges one <see cref="Mailbox.Run"/>; called only by the thread that flipped the mailbox to scheduled.</summary>
    internal abstract void Schedule(Mailbox mailbox);

    /// <summary>Called when the system terminates.</summary>
    internal virtual void Shutdown()
    {
    }
}

/// <summary>The default: mailboxes run on the .NET thread pool.</summary>
internal sealed class ThreadPoolDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    internal override void Schedule(Mailbox mailbox) => ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: false);
}

/// <summary>
/// Runs each mailbox synchronously on the thread that sends to it: deterministic tests with no scheduling in between.
/// The mailbox's own flag still guarantees one runner at a time, so a message sent to a busy actor is queued.
/// </summary>
internal sealed class CallingThreadDispatcher(string id) : MessageDispatcher(id, int.MaxValue)
{
    internal override void Schedule(Mailbox mailbox) => mailbox.Run();
}
