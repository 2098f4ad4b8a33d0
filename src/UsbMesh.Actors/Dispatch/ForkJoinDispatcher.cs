using System.Collections.Concurrent;

namespace UsbMesh.Actors.Dispatch;

/// <summary>
/// Runs its actors on a small pool of dedicated threads of its own (Akka.NET's <c>ForkJoinDispatcher</c> with a
/// <c>dedicated-thread-pool</c>): for actors that pass messages to each other at a high rate and should neither
/// compete with the rest of the system for the thread pool nor pay its bookkeeping. With one thread, a message
/// from one of its actors to another is a queue operation on the same thread, never a wake-up.
/// </summary>
/// <remarks>
/// Idle threads sleep at once instead of spinning for work: spinning takes the CPU from the threads that produce
/// the work (a device's completions, a socket's bytes), which on a small board or an emulated CPU costs more than the
/// wake-up it saves. Threads end when the actor system terminates.
/// </remarks>
internal sealed class ForkJoinDispatcher : MessageDispatcher
{
    private readonly ConcurrentQueue<Mailbox> _scheduled = new();
    private readonly object _gate = new();
    private readonly Thread[] _threads;
    private int _sleeping;
    private volatile bool _shutdown;

    public ForkJoinDispatcher(string id, int throughput, int threadCount)
        : base(id, throughput)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Work) { Name = threadCount == 1 ? id : $"{id}-{i + 1}", IsBackground = true };
            _threads[i].Start();
        }
    }

    internal override void Schedule(Mailbox mailbox)
    {
        _scheduled.Enqueue(mailbox);

        // The enqueue above and a sleeper's count below are both full fences, so either the sleeper sees the
        // mailbox before it waits or this sees the sleeper and wakes it.
        if (Volatile.Read(ref _sleeping) > 0)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    internal override void Shutdown()
    {
        _shutdown = true;
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void Work()
    {
        while (!_shutdown)
        {
            if (_scheduled.TryDequeue(out var mailbox))
            {
                mailbox.Run();
                continue;
            }

            lock (_gate)
            {
                Interlocked.Increment(ref _sleeping);
                try
                {
                    if (_scheduled.IsEmpty && !_shutdown)
                    {
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _sleeping);
                }
            }
        }
    }
}
