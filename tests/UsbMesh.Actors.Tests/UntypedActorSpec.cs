using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class UntypedActorSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Unknown(int Id);

    private sealed class EchoOrUnhandled : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case string s:
                    Sender.Tell("echo:" + s);
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    /// <summary>A light switch: "toggle" switches between two behaviours with Become.</summary>
    private sealed class Switch : UntypedActor
    {
        protected override void OnReceive(object message) => Off(message);

        private void Off(object message)
        {
            switch (message)
            {
                case "toggle":
                    Become(On);
                    Sender.Tell("switched on");
                    break;
                case "state":
                    Sender.Tell("off");
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }

        private void On(object message)
        {
            switch (message)
            {
                case "toggle":
                    Become(Off);
                    Sender.Tell("switched off");
                    break;
                case "state":
                    Sender.Tell("on");
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    /// <summary>"push" stacks a behaviour that counts depth; "pop" unstacks it.</summary>
    private sealed class Stacker : UntypedActor
    {
        protected override void OnReceive(object message) => Level(0)(message);

        private UntypedReceive Level(int depth) => message =>
        {
            switch (message)
            {
                case "push":
                    BecomeStacked(Level(depth + 1));
                    break;
                case "pop":
                    UnbecomeStacked();
                    break;
                case "depth":
                    Sender.Tell(depth);
                    break;
            }
        };
    }

    private sealed class Watcher : UntypedActor
    {
        private readonly IActorRef _subject;

        public Watcher(IActorRef subject)
        {
            _subject = Context.Watch(subject);
        }

        protected override void OnReceive(object message)
        {
            if (message is "stop subject")
            {
                Context.System.Stop(_subject);
            }
            else
            {
                Unhandled(message);
            }
        }
    }

    [Fact]
    public void OnReceive_gets_every_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new EchoOrUnhandled()), "echo");

        actor.Tell("one", TestActor);
        actor.Tell("two", TestActor);

        ExpectMsg("echo:one");
        ExpectMsg("echo:two");
        Assert.Equal(actor, LastSender);
    }

    [Fact]
    public void Calling_Unhandled_publishes_UnhandledMessage_with_sender_and_recipient()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new EchoOrUnhandled()), "echo");

        actor.Tell(new Unknown(7), TestActor);

        unhandled.ExpectMsg<UnhandledMessage>(u =>
        {
            Assert.Equal(new Unknown(7), u.Message);
            Assert.Equal(TestActor, u.Sender);
            Assert.Equal(actor, u.Recipient);
        });
        actor.Tell("after", TestActor);
        ExpectMsg("echo:after");
    }

    [Fact]
    public void Messages_not_passed_to_Unhandled_are_not_published()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new EchoOrUnhandled()), "echo");

        actor.Tell("handled", TestActor);

        ExpectMsg("echo:handled");
        unhandled.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Become_replaces_the_behaviour_with_an_UntypedReceive()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Switch()), "switch");

        actor.Tell("state", TestActor);
        ExpectMsg("off");
        actor.Tell("toggle", TestActor);
        ExpectMsg("switched on");
        actor.Tell("state", TestActor);
        ExpectMsg("on");
        actor.Tell("toggle", TestActor);
        ExpectMsg("switched off");
        actor.Tell("state", TestActor);
        ExpectMsg("off");
    }

    [Fact]
    public void Unhandled_in_a_become_behaviour_is_published_too()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new Switch()), "switch");

        actor.Tell("toggle", TestActor);
        ExpectMsg("switched on");
        actor.Tell("bogus", TestActor);

        unhandled.ExpectMsg<UnhandledMessage>(u => Assert.Equal("bogus", u.Message));
    }

    [Fact]
    public void BecomeStacked_and_UnbecomeStacked_push_and_pop_UntypedReceive_behaviours()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stacker()), "stacker");

        actor.Tell("push", TestActor);
        actor.Tell("push", TestActor);
        actor.Tell("depth", TestActor);
        ExpectMsg(2);
        actor.Tell("pop", TestActor);
        actor.Tell("depth", TestActor);
        ExpectMsg(1);
        actor.Tell("pop", TestActor);
        actor.Tell("pop", TestActor);
        actor.Tell("depth", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void An_unhandled_Terminated_fails_the_watcher_with_DeathPactException()
    {
        var subject = Sys.ActorOf(Props.Create(() => new EchoOrUnhandled()), "subject");
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(subject)), "watcher");
        Watch(watcher);

        EventFilter.Exception<DeathPactException>().ExpectOne(() => watcher.Tell("stop subject", TestActor));

        // The default strategy stops an actor that ignored the death of what it watched.
        ExpectTerminated(watcher);
    }
}
