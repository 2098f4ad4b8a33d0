using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class DeadLettersSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Payload(int Value);

    private sealed class Blocker : ReceiveActor
    {
        public Blocker(IActorRef probe)
        {
            Receive<ManualResetEventSlim>(gate =>
            {
                probe.Tell("blocked");
                if (!gate.Wait(TestKitSettings.Dilated(TimeSpan.FromSeconds(20))))
                {
                    probe.Tell("gate was never opened");
                }
            });
            Receive<Payload>(p => probe.Tell(p));
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong"));
        }
    }

    private sealed class Picky : ReceiveActor
    {
        public Picky()
        {
            Receive<string>(s => Sender.Tell("handled " + s));
        }
    }

    private sealed class PickyUntyped : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is string s)
            {
                Sender.Tell("handled " + s);
            }
            else
            {
                Unhandled(message);
            }
        }
    }

    private IActorRef StoppedActor(string name)
    {
        var actor = Sys.ActorOf(Props.Create(() => new Blocker(TestActor)), name);
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        return actor;
    }

    [Fact]
    public void Message_to_a_stopped_actor_is_published_as_a_DeadLetter_with_sender_and_recipient()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = StoppedActor("gone");
        var sender = CreateTestProbe("sender");

        actor.Tell(new Payload(1), sender.Ref);

        var deadLetter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(new Payload(1), deadLetter.Message);
        Assert.Equal(sender.Ref, deadLetter.Sender);
        Assert.Equal(actor, deadLetter.Recipient);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Dead_letter_without_a_sender_names_dead_letters_as_its_sender()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = StoppedActor("gone");

        actor.Tell(new Payload(2), ActorRefs.NoSender);

        var deadLetter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(new Payload(2), deadLetter.Message);
        Assert.Equal(Sys.DeadLetters, deadLetter.Sender);
        Assert.Equal(actor, deadLetter.Recipient);
    }

    [Fact]
    public void Message_sent_to_DeadLetters_itself_is_published()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        Sys.DeadLetters.Tell(new Payload(3), TestActor);

        var deadLetter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal(new Payload(3), deadLetter.Message);
        Assert.Equal(TestActor, deadLetter.Sender);
        Assert.Equal(Sys.DeadLetters, deadLetter.Recipient);
    }

    [Fact]
    public void Messages_left_in_the_mailbox_when_the_actor_stops_go_to_dead_letters_in_order()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = Sys.ActorOf(Props.Create(() => new Blocker(TestActor)), "busy");
        using var gate = new ManualResetEventSlim();
        actor.Tell(gate);
        ExpectMsg("blocked");
        for (var i = 0; i < 5; i++)
        {
            actor.Tell(new Payload(i), TestActor);
        }

        Watch(actor);
        // The stop is a system message: it is handled as soon as the current message is done, before the queued ones.
        Sys.Stop(actor);
        gate.Set();
        ExpectTerminated(actor);

        for (var i = 0; i < 5; i++)
        {
            var deadLetter = deadLetters.ExpectMsg<DeadLetter>();
            Assert.Equal(new Payload(i), deadLetter.Message);
            Assert.Equal(TestActor, deadLetter.Sender);
            Assert.Equal(actor, deadLetter.Recipient);
        }

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void EventFilter_sees_the_dead_letter_of_a_message_to_a_stopped_actor()
    {
        var actor = StoppedActor("gone");

        EventFilter.DeadLetter<Payload>().ExpectOne(() => actor.Tell(new Payload(4), TestActor));
    }

    [Fact]
    public void Dead_letters_are_logged_by_the_dead_letter_listener()
    {
        var actor = StoppedActor("gone");

        EventFilter.Info(contains: "was not delivered (dead letter)").ExpectOne(() => actor.Tell(new Payload(5), TestActor));
    }

    [Fact]
    public void Unhandled_message_is_published_as_UnhandledMessage()
    {
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new Picky()), "picky");

        actor.Tell("hello", TestActor);
        actor.Tell(42, TestActor);

        ExpectMsg("handled hello");
        var message = unhandled.ExpectMsg<UnhandledMessage>();
        Assert.Equal(42, message.Message);
        Assert.Equal(TestActor, message.Sender);
        Assert.Equal(actor, message.Recipient);
        unhandled.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Not handling a message does not hurt the actor.
        actor.Tell("again", TestActor);
        ExpectMsg("handled again");
    }

    [Fact]
    public void UntypedActor_calling_Unhandled_publishes_UnhandledMessage()
    {
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new PickyUntyped()), "untyped");

        actor.Tell(new Payload(6), TestActor);

        var message = unhandled.ExpectMsg<UnhandledMessage>();
        Assert.Equal(new Payload(6), message.Message);
        Assert.Equal(actor, message.Recipient);
        Assert.Equal(TestActor, message.Sender);
    }

    [Fact]
    public void Unhandled_messages_are_not_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = Sys.ActorOf(Props.Create(() => new Picky()), "picky");

        EventFilter.Info(contains: "was not handled").ExpectOne(() => actor.Tell(7, TestActor));

        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
