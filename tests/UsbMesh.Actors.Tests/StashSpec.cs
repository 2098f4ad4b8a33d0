using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class StashSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Msg(int N);

    private sealed record Open;

    private sealed record OpenEven;

    private sealed record HalfOpen;

    private sealed record ReleaseOne;

    private sealed record Reshuffle;

    private sealed record CountStash;

    private sealed record Crash;

    /// <summary>Stashes everything while closed (and half-open); opening unstashes. Once open it forwards every message
    /// to the probe, keeping the original sender.</summary>
    private sealed class Gate : ReceiveActor, IWithUnboundedStash
    {
        private readonly IActorRef _probe;

        public Gate(IActorRef probe)
        {
            _probe = probe;
            Closed();
        }

        public IStash Stash { get; set; } = null!;

        private void Closed()
        {
            Receive<Open>(_ =>
            {
                Become(Opened);
                Stash.UnstashAll();
            });
            Receive<OpenEven>(_ =>
            {
                Become(Opened);
                Stash.UnstashAll(e => e.Message is Msg { N: var n } && n % 2 == 0);
            });
            Receive<HalfOpen>(_ => Become(HalfOpened));
            Receive<ReleaseOne>(_ =>
            {
                BecomeStacked(OpenForOne);
                Stash.Unstash();
            });
            Receive<Reshuffle>(_ => Stash.UnstashAll());
            Receive<CountStash>(_ => Sender.Tell(Stash.Count));
            ReceiveAny(_ => Stash.Stash());
        }

        private void HalfOpened()
        {
            Receive<Open>(_ =>
            {
                Become(Opened);
                Stash.UnstashAll();
            });
            Receive<CountStash>(_ => Sender.Tell(Stash.Count));
            ReceiveAny(_ => Stash.Stash());
        }

        private void Opened()
        {
            Receive<CountStash>(_ => Sender.Tell(Stash.Count));
            ReceiveAny(m => _probe.Forward(m));
        }

        private void OpenForOne()
        {
            ReceiveAny(m =>
            {
                _probe.Forward(m);
                UnbecomeStacked();
            });
        }
    }

    private sealed class DoubleStasher : ReceiveActor, IWithUnboundedStash
    {
        public DoubleStasher(int incarnation)
        {
            Receive<Msg>(_ =>
            {
                Stash.Stash();
                try
                {
                    Stash.Stash();
                    Sender.Tell("stashed twice");
                }
                catch (IllegalActorStateException)
                {
                    Sender.Tell("refused");
                }
            });
            Receive<Crash>(_ =>
            {
                if (incarnation == 1)
                {
                    Stash.Stash();
                    Stash.Stash();
                }
                else
                {
                    Sender.Tell("crash came back");
                }
            });
            Receive<CountStash>(_ => Sender.Tell(Stash.Count));
        }

        public IStash Stash { get; set; } = null!;
    }

    /// <summary>The first incarnation stashes everything and crashes on <see cref="Crash"/>; later incarnations forward
    /// every message to the probe.</summary>
    private sealed class Fragile : ReceiveActor, IWithUnboundedStash
    {
        public Fragile(IActorRef probe, int incarnation)
        {
            if (incarnation == 1)
            {
                Receive<Crash>(_ => throw new InvalidOperationException("crash with a full stash"));
                Receive<CountStash>(_ => Sender.Tell(Stash.Count));
                ReceiveAny(_ => Stash.Stash());
            }
            else
            {
                ReceiveAny(m => probe.Forward(m));
            }
        }

        public IStash Stash { get; set; } = null!;
    }

    private (IActorRef Gate, TestProbe Probe) NewGate()
    {
        var probe = CreateTestProbe("opened");
        var gate = Sys.ActorOf(Props.Create(() => new Gate(probe.Ref)), "gate");
        return (gate, probe);
    }

    private void ExpectStashCount(IActorRef actor, int count)
    {
        actor.Tell(new CountStash(), TestActor);
        ExpectMsg(count);
    }

    [Fact]
    public void The_stash_is_set_before_the_first_message()
    {
        var (gate, _) = NewGate();

        ExpectStashCount(gate, 0);
    }

    [Fact]
    public void UnstashAll_brings_back_stashed_messages_in_their_original_order_before_newer_ones()
    {
        var (gate, probe) = NewGate();

        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        gate.Tell(new Msg(3), TestActor);
        ExpectStashCount(gate, 3);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        gate.Tell(new Open(), TestActor);
        gate.Tell(new Msg(4), TestActor);

        probe.ExpectMsg(new Msg(1));
        probe.ExpectMsg(new Msg(2));
        probe.ExpectMsg(new Msg(3));
        probe.ExpectMsg(new Msg(4));
        ExpectStashCount(gate, 0);
    }

    [Fact]
    public void Unstashed_messages_are_ahead_of_messages_already_in_the_mailbox()
    {
        var (gate, probe) = NewGate();

        // Everything is sent at once, so the later messages are already queued when Open unstashes.
        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        gate.Tell(new Open(), TestActor);
        for (var n = 3; n <= 20; n++)
        {
            gate.Tell(new Msg(n), TestActor);
        }

        for (var n = 1; n <= 20; n++)
        {
            probe.ExpectMsg(new Msg(n));
        }
    }

    [Fact]
    public void Unstashed_messages_keep_their_original_sender()
    {
        var (gate, probe) = NewGate();
        var first = CreateTestProbe("first");
        var second = CreateTestProbe("second");

        gate.Tell(new Msg(1), first.Ref);
        gate.Tell(new Msg(2), second.Ref);
        gate.Tell(new Open(), TestActor);

        probe.ExpectMsg(new Msg(1));
        Assert.Equal(first.Ref, probe.LastSender);
        probe.ExpectMsg(new Msg(2));
        Assert.Equal(second.Ref, probe.LastSender);
    }

    [Fact]
    public void The_stash_survives_Become_and_keeps_one_order_across_behaviours()
    {
        var (gate, probe) = NewGate();

        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        gate.Tell(new HalfOpen(), TestActor);
        gate.Tell(new Msg(3), TestActor);
        gate.Tell(new Msg(4), TestActor);
        ExpectStashCount(gate, 4);
        gate.Tell(new Open(), TestActor);

        for (var n = 1; n <= 4; n++)
        {
            probe.ExpectMsg(new Msg(n));
        }

        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Unstash_brings_back_only_the_oldest_message()
    {
        var (gate, probe) = NewGate();

        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        gate.Tell(new Msg(3), TestActor);
        gate.Tell(new ReleaseOne(), TestActor);

        probe.ExpectMsg(new Msg(1));
        ExpectStashCount(gate, 2);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        gate.Tell(new ReleaseOne(), TestActor);
        probe.ExpectMsg(new Msg(2));
        ExpectStashCount(gate, 1);
    }

    [Fact]
    public void UnstashAll_with_a_predicate_brings_back_only_matching_messages_and_keeps_the_rest()
    {
        var (gate, probe) = NewGate();

        for (var n = 1; n <= 6; n++)
        {
            gate.Tell(new Msg(n), TestActor);
        }

        gate.Tell(new OpenEven(), TestActor);

        probe.ExpectMsg(new Msg(2));
        probe.ExpectMsg(new Msg(4));
        probe.ExpectMsg(new Msg(6));
        ExpectStashCount(gate, 3);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_message_brought_back_by_UnstashAll_can_be_stashed_again_without_losing_order()
    {
        var (gate, probe) = NewGate();

        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        gate.Tell(new Msg(3), TestActor);
        gate.Tell(new Reshuffle(), TestActor);
        ExpectStashCount(gate, 3);
        gate.Tell(new Open(), TestActor);

        probe.ExpectMsg(new Msg(1));
        probe.ExpectMsg(new Msg(2));
        probe.ExpectMsg(new Msg(3));
    }

    [Fact]
    public void Stashing_the_same_message_twice_throws_IllegalActorStateException()
    {
        var actor = Sys.ActorOf(Props.Create(() => new DoubleStasher(1)), "double");

        actor.Tell(new Msg(1), TestActor);

        ExpectMsg("refused");
        ExpectStashCount(actor, 1);
    }

    [Fact]
    public void An_uncaught_double_stash_fails_the_actor()
    {
        var incarnations = 0;
        var actor = Sys.ActorOf(Props.Create(() => new DoubleStasher(Interlocked.Increment(ref incarnations))), "double");

        EventFilter.Exception<IllegalActorStateException>().ExpectOne(() => actor.Tell(new Crash(), TestActor));

        // The message that was stashed once before the failure is given to the restarted instance.
        ExpectMsg("crash came back");
        ExpectStashCount(actor, 0);
    }

    [Fact]
    public void On_restart_stashed_messages_are_not_lost_but_given_to_the_new_instance()
    {
        var probe = CreateTestProbe("survivor");
        var incarnations = 0;
        var actor = Sys.ActorOf(Props.Create(() => new Fragile(probe.Ref, Interlocked.Increment(ref incarnations))), "fragile");

        actor.Tell(new Msg(1), TestActor);
        actor.Tell(new Msg(2), TestActor);
        ExpectStashCount(actor, 2);
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new Crash(), TestActor));
        actor.Tell(new Msg(3), TestActor);

        probe.ExpectMsg(new Msg(1));
        Assert.Equal(TestActor, probe.LastSender);
        probe.ExpectMsg(new Msg(2));
        probe.ExpectMsg(new Msg(3));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, Volatile.Read(ref incarnations));
    }

    [Fact]
    public void On_stop_stashed_messages_go_to_dead_letters_in_order()
    {
        var deadLetters = CreateTestProbe("deadLetters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var (gate, probe) = NewGate();

        gate.Tell(new Msg(1), TestActor);
        gate.Tell(new Msg(2), TestActor);
        ExpectStashCount(gate, 2);
        Watch(gate);
        Sys.Stop(gate);
        ExpectTerminated(gate);

        deadLetters.ExpectMsg<DeadLetter>(d =>
        {
            Assert.Equal(new Msg(1), d.Message);
            Assert.Equal(TestActor, d.Sender);
            Assert.Equal(gate, d.Recipient);
        });
        deadLetters.ExpectMsg<DeadLetter>(d => Assert.Equal(new Msg(2), d.Message));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
