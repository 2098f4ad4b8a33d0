using System.Collections.Concurrent;

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
    private int _status;

    internal Mailbox(ActorCell cell, MessageDispatcher dispatcher)
    {
        Cell = cell;
        Dispatcher = dispatcher;
    }

    internal ActorCell Cell { get; }

    internal MessageDispatcher Dispatcher { get; }

    /// <summary>Per-dispatcher state, e.g. the dedicated thread of a pinned actor.</summary>
    internal object? DispatcherState { get; set; }

    internal bool IsClosed => (Volatile.Read(ref _status) & Closed) != 0;

    internal bool HasUserMessages => !_messages.IsEmpty;

    internal void Post(in Envelope envelope)
    {
        _messages.Enqueue(envelope);
        ScheduleIfIdle();
    }

    internal void PostSystem(SystemMessage message)
    {
        _systemMessages.Enqueue(message);
        ScheduleIfIdle();
    }

    internal bool TryDequeue(out Envelope envelope) => _messages.TryDequeue(out envelope);

    internal bool TryDequeueSystem(out SystemMessage? message) => _systemMessages.TryDequeue(out message);

    /// <summary>Stops all future runs. Messages still queued are drained by the cell (to dead letters).</summary>
    internal void Close() => Interlocked.Or(ref _status, Closed);

    private void ScheduleIfIdle()
    {
        if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            Dispatcher.Schedule(this);
        }
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
            for (var left = Dispatcher.Throughput; left > 0 && !IsClosed && cell.CanProcessUserMessages; left--)
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
            Interlocked.And(ref _status, ~Scheduled);
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
}
