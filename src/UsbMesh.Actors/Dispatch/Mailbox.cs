using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace UsbMesh.Actors.Dispatch;

/// <summary>
/// Queues of one actor and the flag that makes sure at most one thread runs it at a time.
/// <para>
/// A tell enqueues a struct into a lock-free queue and, only if the mailbox was idle, hands the mailbox itself to the
/// dispatcher (it is its own <see cref="IThreadPoolWorkItem"/>): no lock, no closure, no allocation per message.
/// A run processes all system messages, then up to <c>throughput</c> user messages, then yields the thread.
/// </para>
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Scheduled = 1;
    private const int Closed = 2;

    private readonly ConcurrentQueue<Envelope> _messages = new();
    private readonly ConcurrentQueue<SystemMessage> _systemMessages = new();

    // Every tell reads this word and the running thread writes it once per turn: on a cache line of its own it does
    // not bounce with the fields the consumer reads for each message.
    private PaddedStatus _status;

    internal Mailbox(ActorCell cell, MessageDispatcher dispatcher)
    {
        Cell = cell;
        Dispatcher = dispatcher;
    }

    internal ActorCell Cell { get; }

    internal MessageDispatcher Dispatcher { get; }

    /// <summary>Per-dispatcher state, e.g. the dedicated thread of a pinned actor.</summary>
    internal object? DispatcherState { get; set; }

    internal bool IsClosed => (Volatile.Read(ref _status.Value) & Closed) != 0;

    internal bool HasUserMessages => !_messages.IsEmpty;

    /// <summary>Enqueues and schedules; returns false when the mailbox was closed, so the caller drains what it left.</summary>
    internal bool Post(in Envelope envelope)
    {
        _messages.Enqueue(envelope);
        return (ScheduleIfIdle() & Closed) == 0;
    }

    /// <summary>As <see cref="Post"/>, for system messages.</summary>
    internal bool PostSystem(SystemMessage message)
    {
        _systemMessages.Enqueue(message);
        return (ScheduleIfIdle() & Closed) == 0;
    }

    internal bool TryDequeue(out Envelope envelope) => _messages.TryDequeue(out envelope);

    internal bool TryDequeueSystem(out SystemMessage? message) => _systemMessages.TryDequeue(out message);

    /// <summary>Stops all future runs. Messages still queued are drained by the cell (to dead letters).</summary>
    internal void Close() => Interlocked.Or(ref _status.Value, Closed);

    /// <summary>
    /// Schedules a run unless one is scheduled or the mailbox is closed; returns the status seen. The plain read
    /// first keeps the common case (already scheduled) free of an interlocked write. No wake-up is lost: the enqueue
    /// before it and the runner's flag clear (<see cref="Run"/>) are both full fences, so either this sees idle or
    /// the runner sees the message.
    /// </summary>
    private int ScheduleIfIdle()
    {
        var status = Volatile.Read(ref _status.Value);
        if (status != Idle)
        {
            return status;
        }

        status = Interlocked.CompareExchange(ref _status.Value, Scheduled, Idle);
        if (status == Idle)
        {
            Dispatcher.Schedule(this);
        }

        return status;
    }

    void IThreadPoolWorkItem.Execute() => Run();

    /// <summary>Processes messages on the calling thread; only ever entered by the thread that won the schedule.</summary>
    internal void Run()
    {
        var cell = Cell;
        var previous = ActorCell.EnterThread(cell);
        try
        {
            if (IsClosed)
            {
                return;
            }

            ProcessSystemMessages(cell);
            // A stop closes the mailbox only after the cell left the alive state, which CanProcessUserMessages checks.
            for (var left = Dispatcher.Throughput; left > 0 && cell.CanProcessUserMessages; left--)
            {
                if (!cell.TryDequeueUserMessage(out var envelope))
                {
                    break;
                }

                cell.Invoke(envelope);
                if (!_systemMessages.IsEmpty)
                {
                    ProcessSystemMessages(cell);
                }
            }
        }
        finally
        {
            ActorCell.LeaveThread(previous);
            // Clear only the scheduled bit (a close must stick), then look again: a message that arrived after the
            // loop and before the flag cleared saw "scheduled" and did not schedule; it is ours to pick up.
            Interlocked.And(ref _status.Value, ~Scheduled);
            if (HasWork(cell))
            {
                ScheduleIfIdle();
            }
        }
    }

    private bool HasWork(ActorCell cell) =>
        !IsClosed && (!_systemMessages.IsEmpty || (cell.CanProcessUserMessages && (!_messages.IsEmpty || cell.HasUnstashed)));

    private void ProcessSystemMessages(ActorCell cell)
    {
        while (!IsClosed && _systemMessages.TryDequeue(out var message))
        {
            cell.SystemInvoke(message);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedStatus
    {
        [FieldOffset(64)]
        public int Value;
    }
}
