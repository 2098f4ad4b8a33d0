using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// Stopping through messages, after Akka.NET's ActorRefSpec and SupervisorSpec: PoisonPill stops once the messages
/// before it are processed, Kill fails the actor with ActorKilledException (stopped by default), and what reaches a
/// stopped actor is published as a dead letter.
/// </summary>
public sealed class PoisonPillAndKillSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan NoMessage = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void PoisonPill_stops_the_actor_after_the_messages_queued_before_it()
    {
        var deadLetters = SubscribeToDeadLetters();
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);

        actor.Tell("a", TestActor);
        actor.Tell("b", TestActor);
        actor.Tell(PoisonPill.Instance, TestActor);
        actor.Tell("c", TestActor);

        // The echo answers everything it sees: the PoisonPill itself is handled by the kernel, never echoed.
        ExpectMsg("a");
        ExpectMsg("b");
        ExpectTerminated(actor);
        var deadLetter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("c", deadLetter.Message);
        Assert.Equal(actor, deadLetter.Recipient);
        Assert.Equal(TestActor, deadLetter.Sender);
    }

    [Fact]
    public void Messages_sent_after_a_PoisonPill_are_published_as_dead_letters()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);

        EventFilter.DeadLetter<string>().Expect(2, () =>
        {
            actor.Tell(PoisonPill.Instance, TestActor);
            actor.Tell("late 1", TestActor);
            actor.Tell("late 2", TestActor);
        });

        ExpectTerminated(actor);
    }

    [Fact]
    public void PoisonPill_to_a_parent_stops_its_children_too()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent(TestActor)));
        var children = ExpectMsg<IActorRef[]>();
        var watcher = CreateTestProbe();
        foreach (var child in children)
        {
            watcher.Watch(child);
        }

        watcher.Watch(parent);

        parent.Tell(PoisonPill.Instance, TestActor);

        var terminated = watcher.ReceiveN(children.Length + 1).Cast<Terminated>().Select(t => t.ActorRef).ToList();
        Assert.Equal(children.Append(parent).OrderBy(r => r.Path.Name), terminated.OrderBy(r => r.Path.Name));
    }

    [Fact]
    public void Kill_fails_the_actor_with_ActorKilledException_and_the_default_strategy_stops_it()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new CountedEcho(TestActor, generations)));
        ExpectMsg("started 1");
        Watch(actor);

        EventFilter.Exception<ActorKilledException>().ExpectOne(() => actor.Tell(Kill.Instance, TestActor));

        ExpectTerminated(actor);
        Assert.Equal(1, generations.Count);
    }

    [Fact]
    public void Kill_is_processed_in_order_after_the_messages_queued_before_it()
    {
        var deadLetters = SubscribeToDeadLetters();
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);

        EventFilter.Exception<ActorKilledException>().ExpectOne(() =>
        {
            actor.Tell("before", TestActor);
            actor.Tell(Kill.Instance, TestActor);
            actor.Tell("after", TestActor);
        });

        ExpectMsg("before");
        ExpectTerminated(actor);
        // Nothing reached the killed actor after the Kill: the message behind it went to dead letters.
        Assert.Equal("after", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Kill_is_a_failure_like_any_other_so_a_supervisor_may_restart_instead()
    {
        var generations = new Generations();
        var lifecycle = CreateTestProbe();
        var reporter = lifecycle.Ref;
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Restart))));
        supervisor.Tell(Props.Create(() => new CountedEcho(reporter, generations)), TestActor);
        var child = ExpectMsg<IActorRef>();
        lifecycle.ExpectMsg("started 1");
        var watcher = CreateTestProbe();
        watcher.Watch(child);

        EventFilter.Exception<ActorKilledException>().ExpectOne(() => child.Tell(Kill.Instance, TestActor));

        lifecycle.ExpectMsg("started 2");
        child.Tell("still alive", TestActor);
        ExpectMsg("still alive");
        watcher.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Messages_to_a_stopped_actor_are_published_as_dead_letters_with_their_sender_and_recipient()
    {
        var deadLetters = SubscribeToDeadLetters();
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        actor.Tell("too late", TestActor);
        actor.Tell(42, ActorRefs.NoSender);

        var first = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(new DeadLetter("too late", TestActor, actor), first);
        var second = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(42, second.Message);
        Assert.Equal(actor, second.Recipient);
        // Without a sender, dead letters stands in as the sender.
        Assert.Equal(Sys.DeadLetters, second.Sender);
        ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void An_actor_stopping_itself_finishes_the_current_message_and_its_mailbox_goes_to_dead_letters()
    {
        var deadLetters = SubscribeToDeadLetters();
        var actor = Sys.ActorOf(Props.Create(() => new SelfStopping()));
        Watch(actor);

        actor.Tell("stop", TestActor);
        actor.Tell("after", TestActor);

        ExpectMsg("stopping");
        ExpectTerminated(actor);
        Assert.Equal("after", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void A_PoisonPill_to_an_actor_that_is_already_dead_is_a_dead_letter()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        EventFilter.DeadLetter<PoisonPill>().ExpectOne(() => actor.Tell(PoisonPill.Instance, TestActor));
        EventFilter.DeadLetter<Kill>().ExpectOne(() => actor.Tell(Kill.Instance, TestActor));
        ExpectNoMsg(NoMessage);
    }

    private TestProbe SubscribeToDeadLetters()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        return probe;
    }

    private sealed class Generations
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public int Next() => Interlocked.Increment(ref _count);
    }

    /// <summary>Echoes every message it sees.</summary>
    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    /// <summary>Echoes strings; reports each construction.</summary>
    private sealed class CountedEcho : ReceiveActor
    {
        public CountedEcho(IActorRef testActor, Generations generations)
        {
            testActor.Tell($"started {generations.Next()}", Self);
            Receive<string>(s => Sender.Tell(s, Self));
        }
    }

    /// <summary>Creates a child from each Props it is sent and answers with its ref.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly Actors.SupervisorStrategy _strategy;

        public Supervisor(Actors.SupervisorStrategy strategy)
        {
            _strategy = strategy;
            Receive<Props>(props => Sender.Tell(Context.ActorOf(props), Self));
        }

        protected override Actors.SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    /// <summary>Creates three children and reports them.</summary>
    private sealed class Parent : ActorBase
    {
        public Parent(IActorRef testActor)
        {
            var children = Enumerable.Range(1, 3).Select(i => Context.ActorOf(Props.Create(() => new Echo()), $"child-{i}")).ToArray();
            testActor.Tell(children, Self);
        }

        protected override bool Receive(object message) => false;
    }

    /// <summary>On "stop", stops itself and answers; the answer still goes out.</summary>
    private sealed class SelfStopping : ReceiveActor
    {
        public SelfStopping()
        {
            Receive<string>(s => s == "stop", _ =>
            {
                Context.Stop(Self);
                Sender.Tell("stopping", Self);
            });
            Receive<string>(s => Sender.Tell($"processed {s}", Self));
        }
    }
}
