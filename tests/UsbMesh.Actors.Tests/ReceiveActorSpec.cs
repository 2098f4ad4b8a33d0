using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ReceiveActorSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Unknown(int Id);

    private sealed record RegisterLate;

    private sealed class TypedActor : ReceiveActor
    {
        public TypedActor()
        {
            Receive<string>(s => Sender.Tell("string:" + s));
            Receive<int>(i => Sender.Tell("int:" + i));
        }
    }

    private sealed class PredicateActor : ReceiveActor
    {
        public PredicateActor()
        {
            Receive<int>(i => i < 0, i => Sender.Tell("negative:" + i));
            Receive<int>(i => Sender.Tell("even:" + i), shouldHandle: i => i % 2 == 0);
            Receive<string>(s => s.StartsWith('a'), s => Sender.Tell("a-word:" + s));
        }
    }

    private sealed class OrderedActor : ReceiveActor
    {
        public OrderedActor()
        {
            Receive<string>(s => s.Length > 5, s => Sender.Tell("long:" + s));
            Receive<string>(s => Sender.Tell("first:" + s));
            Receive<string>(s => Sender.Tell("second:" + s));
            Receive<object>(o => Sender.Tell("object:" + o));
        }
    }

    private sealed class ActorWithReceiveAny : ReceiveActor
    {
        public ActorWithReceiveAny()
        {
            Receive<int>(i => Sender.Tell("int:" + i));
            ReceiveAny(o => Sender.Tell("any:" + o.GetType().Name));
            Receive<string>(s => Sender.Tell("never reached:" + s));
        }
    }

    private sealed class RegistersOutsideConstructor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public RegistersOutsideConstructor(IActorRef probe)
        {
            _probe = probe;
            Receive<RegisterLate>(_ =>
            {
                try
                {
                    Receive<int>(i => Sender.Tell("late:" + i));
                }
                catch (InvalidOperationException e)
                {
                    _probe.Tell(e.GetType());
                    throw;
                }
            });
            Receive<int>(i => Sender.Tell("original:" + i));
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell("restarted after " + reason.GetType().Name);
        }
    }

    [Fact]
    public void Receive_of_T_dispatches_on_the_message_type()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TypedActor()), "typed");

        actor.Tell("hello", TestActor);
        actor.Tell(42, TestActor);

        ExpectMsg("string:hello");
        ExpectMsg("int:42");
    }

    [Fact]
    public void Receive_with_a_predicate_only_handles_matching_messages_and_the_rest_falls_through()
    {
        var actor = Sys.ActorOf(Props.Create(() => new PredicateActor()), "predicates");

        actor.Tell(-3, TestActor);
        actor.Tell(4, TestActor);
        actor.Tell("apple", TestActor);

        ExpectMsg("negative:-3");
        ExpectMsg("even:4");
        ExpectMsg("a-word:apple");
    }

    [Fact]
    public void A_message_no_predicate_accepts_is_unhandled()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new PredicateActor()), "predicates");

        actor.Tell(3, TestActor);
        actor.Tell("banana", TestActor);

        unhandled.ExpectMsg<UnhandledMessage>(u => Assert.Equal(3, u.Message));
        unhandled.ExpectMsg<UnhandledMessage>(u => Assert.Equal("banana", u.Message));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void The_first_matching_handler_in_registration_order_wins()
    {
        var actor = Sys.ActorOf(Props.Create(() => new OrderedActor()), "ordered");

        actor.Tell("short", TestActor);
        actor.Tell("much longer", TestActor);
        actor.Tell(7, TestActor);

        ExpectMsg("first:short");
        ExpectMsg("long:much longer");
        ExpectMsg("object:7");
    }

    [Fact]
    public void ReceiveAny_catches_what_earlier_handlers_did_not_and_shadows_later_ones()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ActorWithReceiveAny()), "any");

        actor.Tell(1, TestActor);
        actor.Tell("text", TestActor);
        actor.Tell(new Unknown(2), TestActor);

        ExpectMsg("int:1");
        ExpectMsg("any:String");
        ExpectMsg("any:Unknown");
    }

    [Fact]
    public void Unhandled_messages_are_published_as_UnhandledMessage_on_the_event_stream()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new TypedActor()), "typed");

        actor.Tell(new Unknown(1), TestActor);

        unhandled.ExpectMsg<UnhandledMessage>(u =>
        {
            Assert.Equal(new Unknown(1), u.Message);
            Assert.Equal(TestActor, u.Sender);
            Assert.Equal(actor, u.Recipient);
        });
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void An_unhandled_message_does_not_stop_the_actor()
    {
        var unhandled = CreateTestProbe("unhandled");
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new TypedActor()), "typed");

        actor.Tell(new Unknown(1), TestActor);
        unhandled.ExpectMsg<UnhandledMessage>();
        actor.Tell("still here", TestActor);

        ExpectMsg("string:still here");
    }

    [Fact]
    public void Registering_a_handler_outside_the_constructor_or_Become_throws_InvalidOperationException()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new RegistersOutsideConstructor(probe.Ref)), "late");

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new RegisterLate(), TestActor));

        probe.ExpectMsg(typeof(InvalidOperationException));
        probe.ExpectMsg("restarted after InvalidOperationException");
        // The late handler was never registered: the restarted actor still has its original behaviour.
        actor.Tell(5, TestActor);
        ExpectMsg("original:5");
    }
}
