using UsbMesh.Actors.Dispatch;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class DispatcherSpec(ITestOutputHelper output) : TestKit.TestKit(output, CreateSettings())
{
    private const string PinnedId = "usb-host-dispatcher";
    private const string ThroughputThreeId = "throughput-3-dispatcher";
    private const string BrokenId = "broken-dispatcher";
    private const string OneThreadId = "one-thread-dispatcher";
    private const string TwoThreadsId = "two-threads-dispatcher";

    private static ActorSystemSettings CreateSettings() => ActorSystemSettings.Default
        .WithDispatcher(PinnedId, new DispatcherSettings(DispatcherSettings.PinnedType))
        .WithDispatcher(ThroughputThreeId, new DispatcherSettings(DispatcherSettings.ThreadPoolType, Throughput: 3))
        .WithDispatcher(BrokenId, new DispatcherSettings("NoSuchDispatcherType"))
        .WithDispatcher(OneThreadId, new DispatcherSettings(DispatcherSettings.ForkJoinType, Throughput: 5, ThreadCount: 1))
        .WithDispatcher(TwoThreadsId, new DispatcherSettings(DispatcherSettings.ForkJoinType, ThreadCount: 2));

    private sealed record WhereAmI;

    private sealed record ThreadInfo(Thread Thread, int ManagedThreadId, bool IsThreadPoolThread, string? Name);

    private static ThreadInfo CurrentThreadInfo()
    {
        var thread = Thread.CurrentThread;
        return new ThreadInfo(thread, thread.ManagedThreadId, thread.IsThreadPoolThread, thread.Name);
    }

    /// <summary>Reports the thread that ran its constructor, PreStart and every message.</summary>
    private sealed class ThreadReporter : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ThreadReporter(IActorRef probe)
        {
            _probe = probe;
            probe.Tell(("ctor", CurrentThreadInfo()));
            Receive<WhereAmI>(_ => Sender.Tell(CurrentThreadInfo()));
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("failing on purpose"));
        }

        protected override void PreStart() => _probe.Tell(("pre-start", CurrentThreadInfo()));
    }

    private ThreadInfo[] AskThreads(IActorRef actor, int count)
    {
        for (var i = 0; i < count; i++)
        {
            actor.Tell(new WhereAmI(), TestActor);
        }

        return [.. Enumerable.Range(0, count).Select(_ => ExpectMsg<ThreadInfo>())];
    }

    [Fact]
    public void Pinned_actor_runs_every_message_on_one_dedicated_thread_named_after_the_dispatcher()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), "pinned");
        var ctor = ExpectMsg<(string Step, ThreadInfo Info)>();
        var preStart = ExpectMsg<(string Step, ThreadInfo Info)>();
        var threads = AskThreads(actor, 50);

        var first = threads[0];
        Assert.All(threads, t => Assert.Equal(first.ManagedThreadId, t.ManagedThreadId));
        Assert.Equal(("ctor", first.ManagedThreadId), (ctor.Step, ctor.Info.ManagedThreadId));
        Assert.Equal(("pre-start", first.ManagedThreadId), (preStart.Step, preStart.Info.ManagedThreadId));
        Assert.False(first.IsThreadPoolThread);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first.ManagedThreadId);
        Assert.NotNull(first.Name);
        Assert.StartsWith(PinnedId, first.Name);
        Assert.Contains("/user/pinned", first.Name);
    }

    [Fact]
    public void Actors_of_a_one_thread_fork_join_dispatcher_all_run_on_its_one_dedicated_thread()
    {
        var actors = Enumerable.Range(0, 4)
            .Select(i => Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(OneThreadId), $"fj-{i}"))
            .ToArray();
        ReceiveN(8); // constructors and PreStarts

        // Interleaved, and more than one turn's throughput each: every actor is rescheduled and still lands there.
        var threads = Enumerable.Range(0, 12).SelectMany(_ => actors).Select(a =>
        {
            a.Tell(new WhereAmI(), TestActor);
            return ExpectMsg<ThreadInfo>();
        }).ToArray();

        Assert.Single(threads.Select(t => t.ManagedThreadId).Distinct());
        Assert.False(threads[0].IsThreadPoolThread);
        Assert.Equal(OneThreadId, threads[0].Name);
    }

    [Fact]
    public void A_two_thread_fork_join_dispatcher_keeps_each_actors_messages_in_order()
    {
        var collector = CreateTestProbe();
        var actors = Enumerable.Range(0, 8)
            .Select(i => Sys.ActorOf(Props.Create(() => new Echo(collector.Ref)).WithDispatcher(TwoThreadsId), $"echo-{i}"))
            .ToArray();
        for (var n = 0; n < 200; n++)
        {
            foreach (var actor in actors)
            {
                actor.Tell(n);
            }
        }

        var seen = collector.ReceiveN(1600).Cast<(string Name, int N, string? Thread)>().ToArray();
        foreach (var group in seen.GroupBy(s => s.Name))
        {
            Assert.Equal(Enumerable.Range(0, 200), group.Select(s => s.N));
        }

        Assert.All(seen, s => Assert.StartsWith(TwoThreadsId + "-", s.Thread));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo(IActorRef to) => Receive<int>(n => to.Tell((Self.Path.Name, n, Thread.CurrentThread.Name)));
    }

    [Fact]
    public void Two_pinned_actors_get_two_different_threads()
    {
        var a = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), "a");
        ExpectMsg<(string, ThreadInfo)>();
        ExpectMsg<(string, ThreadInfo)>();
        var b = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), "b");
        ExpectMsg<(string, ThreadInfo)>();
        ExpectMsg<(string, ThreadInfo)>();

        var threadsOfA = AskThreads(a, 10).Select(t => t.ManagedThreadId).Distinct().ToArray();
        var threadsOfB = AskThreads(b, 10).Select(t => t.ManagedThreadId).Distinct().ToArray();

        var threadOfA = Assert.Single(threadsOfA);
        var threadOfB = Assert.Single(threadsOfB);
        Assert.NotEqual(threadOfA, threadOfB);
    }

    [Fact]
    public void Pinned_thread_ends_when_its_actor_stops()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), "short-lived");
        ExpectMsg<(string, ThreadInfo)>();
        ExpectMsg<(string, ThreadInfo)>();
        var thread = AskThreads(actor, 1)[0].Thread;
        Assert.True(thread.IsAlive);

        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        AwaitCondition(() => !thread.IsAlive, TimeSpan.FromSeconds(10), message: "the pinned thread to end");
    }

    [Fact]
    public void Pinned_actor_keeps_its_thread_across_a_restart()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), "restarting");
        ExpectMsg<(string, ThreadInfo)>();
        ExpectMsg<(string, ThreadInfo)>();
        var before = AskThreads(actor, 1)[0];

        actor.Tell("fail");

        var ctor = ExpectMsg<(string Step, ThreadInfo Info)>();
        var preStart = ExpectMsg<(string Step, ThreadInfo Info)>();
        var after = AskThreads(actor, 1)[0];
        Assert.Equal(("ctor", before.ManagedThreadId), (ctor.Step, ctor.Info.ManagedThreadId));
        Assert.Equal(("pre-start", before.ManagedThreadId), (preStart.Step, preStart.Info.ManagedThreadId));
        Assert.Equal(before.ManagedThreadId, after.ManagedThreadId);
        Assert.True(before.Thread.IsAlive);
    }

    [Fact]
    public async Task Pinned_threads_end_when_the_system_terminates()
    {
        var system = ActorSystem.Create("pinned-termination", CreateSettings());
        try
        {
            var actors = Enumerable.Range(0, 3)
                .Select(i => system.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(PinnedId), $"p{i}"))
                .ToArray();
            ReceiveN(6);
            var threads = actors.SelectMany(a => AskThreads(a, 1)).Select(t => t.Thread).ToArray();
            Assert.Equal(3, threads.Select(t => t.ManagedThreadId).Distinct().Count());

            await system.Terminate().WaitAsync(Dilated(TimeSpan.FromSeconds(15)));

            AwaitCondition(() => threads.All(t => !t.IsAlive), TimeSpan.FromSeconds(10), message: "all pinned threads to end");
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public void Default_dispatcher_runs_actors_on_thread_pool_threads()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)), "pooled");
        ExpectMsg<(string, ThreadInfo)>();
        ExpectMsg<(string, ThreadInfo)>();

        var threads = AskThreads(actor, 20);

        Assert.All(threads, t => Assert.True(t.IsThreadPoolThread, $"thread {t.ManagedThreadId} ({t.Name}) is not a pool thread"));
    }

    /// <summary>
    /// Marks each message with the turn (mailbox run) it was processed in. The thread pool resets the execution context
    /// after every work item, so an <see cref="AsyncLocal{T}"/> set by a handler is seen by the following handlers of
    /// the same run only.
    /// </summary>
    private sealed class TurnRecorder : ReceiveActor
    {
        private readonly AsyncLocal<object?> _turn = new();
        private readonly Dictionary<object, int> _turnNumbers = new(ReferenceEqualityComparer.Instance);

        public TurnRecorder(IActorRef probe)
        {
            Receive<ManualResetEventSlim>(gate =>
            {
                probe.Tell("blocked");
                TurnNumber();
                if (!gate.Wait(TestKitSettings.Dilated(TimeSpan.FromSeconds(20))))
                {
                    probe.Tell("gate was never opened");
                }
            });
            Receive<int>(n => probe.Tell((n, TurnNumber())));
        }

        private int TurnNumber()
        {
            var turn = _turn.Value ??= new object();
            if (!_turnNumbers.TryGetValue(turn, out var number))
            {
                _turnNumbers[turn] = number = _turnNumbers.Count;
            }

            return number;
        }
    }

    private int[] RecordTurns(string dispatcherId, int messages)
    {
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new TurnRecorder(TestActor)).WithDispatcher(dispatcherId));
        actor.Tell(gate);
        ExpectMsg("blocked");
        // Everything is queued before the first run ends, so only the throughput limits how much one run takes.
        for (var i = 1; i <= messages; i++)
        {
            actor.Tell(i);
        }

        gate.Set();
        var turns = new int[messages];
        for (var i = 1; i <= messages; i++)
        {
            var (n, turn) = ExpectMsg<(int, int)>();
            Assert.Equal(i, n);
            turns[i - 1] = turn;
        }

        return turns;
    }

    [Fact]
    public void Throughput_limits_how_many_messages_one_run_processes()
    {
        // The gate message is the first of the first run: 2 more fit in it, then runs of 3.
        var turns = RecordTurns(ThroughputThreeId, 9);

        Assert.Equal([0, 0, 1, 1, 1, 2, 2, 2, 3], turns);
    }

    [Fact]
    public void Default_throughput_processes_a_queued_burst_in_one_run()
    {
        var turns = RecordTurns(Dispatchers.DefaultDispatcherId, 9);

        Assert.All(turns, turn => Assert.Equal(0, turn));
    }

    private sealed class CallingThreadState
    {
        public int Count;
        public int ConstructorThreadId;
        public int LastThreadId;
        public int CountRightAfterSelfTell;
    }

    private sealed class CallingThreadCounter : ReceiveActor
    {
        public CallingThreadCounter(CallingThreadState state)
        {
            state.ConstructorThreadId = Environment.CurrentManagedThreadId;
            Receive<string>(s => s == "inc", _ =>
            {
                state.Count++;
                state.LastThreadId = Environment.CurrentManagedThreadId;
            });
            Receive<string>(s => s == "reply", _ => Sender.Tell(state.Count));
            Receive<string>(s => s == "inc-twice", _ =>
            {
                state.Count++;
                // Queued behind the current message (no re-entrance), yet handled before the outer Tell returns.
                Self.Tell("inc");
                state.CountRightAfterSelfTell = state.Count;
            });
        }
    }

    [Fact]
    public void CallingThreadDispatcher_processes_a_tell_on_the_callers_thread_before_tell_returns()
    {
        var state = new CallingThreadState();
        var callerThreadId = Environment.CurrentManagedThreadId;

        var actor = Sys.ActorOf(
            Props.Create(() => new CallingThreadCounter(state)).WithDispatcher(Dispatchers.CallingThreadDispatcherId), "synchronous");
        Assert.Equal(callerThreadId, state.ConstructorThreadId);

        actor.Tell("inc", ActorRefs.NoSender);
        Assert.Equal(1, state.Count);
        Assert.Equal(callerThreadId, state.LastThreadId);

        actor.Tell("inc", ActorRefs.NoSender);
        actor.Tell("inc", ActorRefs.NoSender);
        Assert.Equal(3, state.Count);

        actor.Tell("reply", TestActor);
        ExpectMsg(3);

        actor.Tell("inc-twice", TestActor);
        Assert.Equal(4, state.CountRightAfterSelfTell);
        Assert.Equal(5, state.Count);
    }

    [Fact]
    public void Unknown_dispatcher_type_fails_ActorOf_with_a_clear_InvalidOperationException()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher(BrokenId), "misconfigured"));

        Assert.Contains(BrokenId, error.Message);
        Assert.Contains("NoSuchDispatcherType", error.Message);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The failed attempt did not take the name.
        Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)), "misconfigured");
        ExpectMsg<(string, ThreadInfo)>();
    }

    [Fact]
    public void Dispatcher_that_is_not_configured_fails_ActorOf_with_InvalidOperationException()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => Sys.ActorOf(Props.Create(() => new ThreadReporter(TestActor)).WithDispatcher("no-such-dispatcher")));

        Assert.Contains("no-such-dispatcher", error.Message);
        Assert.True(Sys.Dispatchers.HasDispatcher(PinnedId));
        Assert.False(Sys.Dispatchers.HasDispatcher("no-such-dispatcher"));
    }
}
