using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class BecomeSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record BecomeA;

    private sealed record BecomeB;

    private sealed record PushA;

    private sealed record PushB;

    private sealed record Pop;

    private sealed record WhoAreYou;

    /// <summary>Three ReceiveActor behaviours, "initial", "A" and "B"; every behaviour understands every command, so a
    /// wrong stack shows as a wrong name in the answer to <see cref="WhoAreYou"/>.</summary>
    private sealed class Chameleon : ReceiveActor
    {
        public Chameleon()
        {
            Behaviour("initial");
        }

        private void Behaviour(string name)
        {
            Receive<WhoAreYou>(_ => Sender.Tell(name));
            Receive<BecomeA>(_ => Become(() => Behaviour("A")));
            Receive<BecomeB>(_ => Become(() => Behaviour("B")));
            Receive<PushA>(_ => BecomeStacked(() => Behaviour("A")));
            Receive<PushB>(_ => BecomeStacked(() => Behaviour("B")));
            Receive<Pop>(_ => UnbecomeStacked());
        }
    }

    /// <summary>The same, with plain Receive delegates through <see cref="IActorContext"/>.</summary>
    private sealed class ContextChameleon : ActorBase
    {
        protected override bool Receive(object message) => Behaviour("initial")(message);

        private Receive Behaviour(string name) => message =>
        {
            switch (message)
            {
                case WhoAreYou:
                    Sender.Tell(name);
                    return true;
                case BecomeA:
                    Context.Become(Behaviour("A"));
                    return true;
                case BecomeB:
                    Context.Become(Behaviour("B"));
                    return true;
                case PushA:
                    Context.BecomeStacked(Behaviour("A"));
                    return true;
                case PushB:
                    Context.BecomeStacked(Behaviour("B"));
                    return true;
                case Pop:
                    Context.UnbecomeStacked();
                    return true;
                default:
                    return false;
            }
        };
    }

    /// <summary>Only the initial behaviour knows "string"; the next one only ints, so anything else is unhandled there.</summary>
    private sealed class Narrowing : ReceiveActor
    {
        public Narrowing()
        {
            Receive<string>(s => s == "narrow", _ => Become(() => Receive<int>(i => Sender.Tell("int:" + i))));
            Receive<string>(s => Sender.Tell("string:" + s));
        }
    }

    /// <summary>Becomes in the constructor: the first message already sees the new behaviour.</summary>
    private sealed class BecomesInConstructor : ReceiveActor
    {
        public BecomesInConstructor()
        {
            Receive<WhoAreYou>(_ => Sender.Tell("constructor receive"));
            Become(() => Receive<WhoAreYou>(_ => Sender.Tell("became in constructor")));
        }
    }

    /// <summary>Becomes through the context in the constructor.</summary>
    private sealed class ContextBecomesInConstructor : ActorBase
    {
        public ContextBecomesInConstructor()
        {
            Context.Become(message =>
            {
                Sender.Tell("became in constructor");
                return true;
            });
        }

        protected override bool Receive(object message)
        {
            Sender.Tell("constructor receive");
            return true;
        }
    }

    /// <summary>Becomes in PreStart, after the kernel has installed the initial behaviour.</summary>
    private sealed class BecomesInPreStart : ReceiveActor
    {
        public BecomesInPreStart()
        {
            Receive<WhoAreYou>(_ => Sender.Tell("constructor receive"));
        }

        protected override void PreStart() => Become(() => Receive<WhoAreYou>(_ => Sender.Tell("became in PreStart")));
    }

    /// <summary>Counts in its behaviour's closure; a restart starts over with the initial behaviour.</summary>
    private sealed class Crashy : ReceiveActor
    {
        public Crashy()
        {
            Receive<WhoAreYou>(_ => Sender.Tell("initial"));
            Receive<BecomeA>(_ => Become(() =>
            {
                Receive<WhoAreYou>(_ => Sender.Tell("A"));
                Receive<string>(s => throw new InvalidOperationException(s));
            }));
        }
    }

    private IActorRef NewChameleon(bool viaContext) => viaContext
        ? Sys.ActorOf(Props.Create(() => new ContextChameleon()), "context-chameleon")
        : Sys.ActorOf(Props.Create(() => new Chameleon()), "chameleon");

    private void ExpectBehaviour(IActorRef actor, string name)
    {
        actor.Tell(new WhoAreYou(), TestActor);
        ExpectMsg(name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Become_replaces_the_current_behaviour(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        ExpectBehaviour(actor, "initial");
        actor.Tell(new BecomeA(), TestActor);
        ExpectBehaviour(actor, "A");
        actor.Tell(new BecomeB(), TestActor);
        ExpectBehaviour(actor, "B");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Become_replaces_the_top_without_growing_the_stack(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        actor.Tell(new BecomeA(), TestActor);
        actor.Tell(new BecomeB(), TestActor);
        actor.Tell(new Pop(), TestActor);

        ExpectBehaviour(actor, "initial");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Many_Becomes_then_one_UnbecomeStacked_return_to_the_initial_behaviour(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        for (var i = 0; i < 10; i++)
        {
            actor.Tell(i % 2 == 0 ? new BecomeA() : new BecomeB(), TestActor);
        }

        ExpectBehaviour(actor, "B");
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "initial");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BecomeStacked_pushes_and_UnbecomeStacked_pops_in_reverse_order(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        actor.Tell(new PushA(), TestActor);
        ExpectBehaviour(actor, "A");
        actor.Tell(new PushB(), TestActor);
        ExpectBehaviour(actor, "B");
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "A");
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "initial");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnbecomeStacked_on_the_initial_behaviour_keeps_it(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        actor.Tell(new Pop(), TestActor);
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "initial");
        actor.Tell(new PushA(), TestActor);
        ExpectBehaviour(actor, "A");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Become_on_a_stacked_behaviour_replaces_only_the_top(bool viaContext)
    {
        var actor = NewChameleon(viaContext);

        actor.Tell(new PushA(), TestActor);
        actor.Tell(new PushA(), TestActor);
        actor.Tell(new BecomeB(), TestActor);
        ExpectBehaviour(actor, "B");
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "A");
        actor.Tell(new Pop(), TestActor);
        ExpectBehaviour(actor, "initial");
    }

    [Fact]
    public void A_ReceiveActor_behaviour_from_Become_handles_only_its_own_handlers()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new Narrowing()), "narrowing");

        actor.Tell("before", TestActor);
        ExpectMsg("string:before");
        actor.Tell("narrow", TestActor);
        actor.Tell(1, TestActor);
        ExpectMsg("int:1");
        actor.Tell("after", TestActor);

        unhandled.ExpectMsg<UnhandledMessage>(u => Assert.Equal("after", u.Message));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Become_in_the_constructor_applies_to_the_first_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new BecomesInConstructor()), "early");

        actor.Tell(new WhoAreYou(), TestActor);

        ExpectMsg("became in constructor");
    }

    [Fact]
    public void Context_Become_in_the_constructor_applies_to_the_first_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ContextBecomesInConstructor()), "early");

        actor.Tell(new WhoAreYou(), TestActor);

        ExpectMsg("became in constructor");
    }

    [Fact]
    public void Become_in_PreStart_applies_to_the_first_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new BecomesInPreStart()), "prestart");

        actor.Tell(new WhoAreYou(), TestActor);

        ExpectMsg("became in PreStart");
    }

    [Fact]
    public void A_restart_brings_back_the_initial_behaviour()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Crashy()), "crashy");
        actor.Tell(new BecomeA(), TestActor);
        ExpectBehaviour(actor, "A");

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell("crash", TestActor));

        ExpectBehaviour(actor, "initial");
    }
}
