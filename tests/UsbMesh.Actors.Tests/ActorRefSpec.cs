using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ActorRefSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Answers every message with the sender it saw, so a test can check who the kernel says sent it.</summary>
    private sealed class SenderReporter : ReceiveActor
    {
        public SenderReporter(IActorRef reportTo)
        {
            ReceiveAny(m => reportTo.Tell(new SeenSender(m, Sender), Self));
        }
    }

    private sealed record SeenSender(object Message, IActorRef Sender);

    /// <summary>Replies to the sender; the reply uses the implicit sender (Self).</summary>
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    /// <summary>On <see cref="SendTo"/> tells the target with the implicit sender, i.e. itself.</summary>
    private sealed class ImplicitSender : ReceiveActor
    {
        public ImplicitSender()
        {
            Receive<SendTo>(s => s.Target.Tell(s.Message));
        }
    }

    private sealed record SendTo(IActorRef Target, object Message);

    /// <summary>Greets the target from PreStart with the implicit sender.</summary>
    private sealed class Greeter : ReceiveActor
    {
        private readonly IActorRef _target;

        public Greeter(IActorRef target)
        {
            _target = target;
            ReceiveAny(_ => { });
        }

        protected override void PreStart() => _target.Tell("hello from PreStart");
    }

    /// <summary>Forwards everything to the target, keeping the original sender.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target)
        {
            ReceiveAny(m => target.Forward(m));
        }
    }

    /// <summary>Creates a child named "child", and on <see cref="Recreate"/> stops it and creates a new one under the same name
    /// once the old one is dead.</summary>
    private sealed class Recreator : ReceiveActor
    {
        private IActorRef _child;
        private IActorRef _requester = ActorRefs.Nobody;

        public Recreator()
        {
            _child = Context.ActorOf(Props.Create(() => new Echo()), "child");
            Receive<GetChild>(_ => Sender.Tell(_child));
            Receive<Recreate>(_ =>
            {
                _requester = Sender;
                Context.Watch(_child);
                Context.Stop(_child);
            });
            Receive<Terminated>(t =>
            {
                _child = Context.ActorOf(Props.Create(() => new Echo()), "child");
                _requester.Tell(new Recreated(t.ActorRef, _child));
            });
        }
    }

    private sealed record GetChild;

    private sealed record Recreate;

    private sealed record Recreated(IActorRef Old, IActorRef New);

    [Fact]
    public void Tell_with_an_explicit_sender_makes_that_sender_the_receivers_Sender()
    {
        var probe = CreateTestProbe();
        var reporter = Sys.ActorOf(Props.Create(() => new SenderReporter(TestActor)), "reporter");

        reporter.Tell("hello", probe.Ref);

        var seen = ExpectMsg<SeenSender>();
        Assert.Equal("hello", seen.Message);
        Assert.Equal(probe.Ref, seen.Sender);
    }

    [Fact]
    public void A_reply_to_Sender_reaches_the_explicit_sender_and_not_the_test_actor()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");

        echo.Tell("ping", probe.Ref);

        probe.ExpectMsg("ping");
        Assert.Equal(echo, probe.LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Implicit_sender_Tell_inside_an_actor_sends_with_Self_as_sender()
    {
        var sender = Sys.ActorOf(Props.Create(() => new ImplicitSender()), "implicit");

        sender.Tell(new SendTo(TestActor, "from inside"), ActorRefs.NoSender);

        ExpectMsg("from inside");
        Assert.Equal(sender, LastSender);
    }

    [Fact]
    public void Implicit_sender_Tell_in_PreStart_sends_with_Self_as_sender()
    {
        var greeter = Sys.ActorOf(Props.Create(() => new Greeter(TestActor)), "greeter");

        ExpectMsg("hello from PreStart");
        Assert.Equal(greeter, LastSender);
    }

    [Fact]
    public void Implicit_sender_Tell_outside_an_actor_sends_without_sender_so_the_receiver_sees_DeadLetters()
    {
        var reporter = Sys.ActorOf(Props.Create(() => new SenderReporter(TestActor)), "reporter");

        reporter.Tell("no sender");

        var seen = ExpectMsg<SeenSender>();
        Assert.Equal("no sender", seen.Message);
        Assert.Equal(Sys.DeadLetters, seen.Sender);
    }

    [Fact]
    public void A_reply_to_a_message_sent_without_sender_goes_to_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");

        echo.Tell("lost reply");

        deadLetters.ExpectMsg<DeadLetter>(d =>
        {
            Assert.Equal("lost reply", d.Message);
            Assert.Equal(echo, d.Sender);
            Assert.Equal(Sys.DeadLetters, d.Recipient);
        });
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var target = CreateTestProbe();
        var forwarder = Sys.ActorOf(Props.Create(() => new Forwarder(target.Ref)), "forwarder");

        forwarder.Tell("forward me", TestActor);

        target.ExpectMsg("forward me");
        Assert.Equal(TestActor, target.LastSender);
    }

    [Fact]
    public void A_reply_to_a_forwarded_message_goes_straight_to_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        var forwarder = Sys.ActorOf(Props.Create(() => new Forwarder(echo)), "forwarder");

        forwarder.Tell("round trip", TestActor);

        ExpectMsg("round trip");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void Nobody_swallows_messages_without_publishing_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        ActorRefs.Nobody.Tell("into the void", TestActor);
        ActorRefs.Nobody.Tell("again");

        Assert.True(ActorRefs.Nobody.IsNobody());
        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_live_actor_ref_is_not_Nobody()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");

        Assert.False(echo.IsNobody());
        Assert.NotEqual(ActorRefs.Nobody, echo);
    }

    [Fact]
    public void Refs_with_the_same_path_and_uid_are_equal_and_hash_alike()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");

        echo.Tell(new Identify("id-1"), TestActor);
        var identity = ExpectMsg<ActorIdentity>();
        echo.Tell("who", TestActor);
        ExpectMsg("who");
        var replier = LastSender;

        Assert.Equal("id-1", identity.MessageId);
        Assert.NotNull(identity.Subject);
        Assert.Equal(echo, identity.Subject);
        Assert.Equal(echo, replier);
        Assert.Equal(echo.GetHashCode(), replier.GetHashCode());
        Assert.Equal(0, echo.CompareTo(replier));
    }

    [Fact]
    public void Refs_of_different_actors_are_not_equal()
    {
        var a = Sys.ActorOf(Props.Create(() => new Echo()), "a");
        var b = Sys.ActorOf(Props.Create(() => new Echo()), "b");

        Assert.NotEqual(a, b);
        Assert.NotEqual(0, a.CompareTo(b));
    }

    [Fact]
    public void A_new_actor_under_a_reused_name_is_not_equal_to_the_stopped_one()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Recreator()), "parent");
        parent.Tell(new GetChild(), TestActor);
        var first = ExpectMsg<IActorRef>();

        parent.Tell(new Recreate(), TestActor);
        var recreated = ExpectMsg<Recreated>();

        Assert.Equal(first, recreated.Old);
        Assert.Equal(first.Path, recreated.New.Path);
        Assert.NotEqual(first.Path.Uid, recreated.New.Path.Uid);
        Assert.NotEqual(first, recreated.New);
        Assert.NotEqual(recreated.New, first);

        // The new incarnation answers; the old ref does not reach it.
        recreated.New.Tell("alive", TestActor);
        ExpectMsg("alive");
        Assert.Equal(recreated.New, LastSender);
        first.Tell("to the dead", TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_top_level_actor_recreated_under_the_same_name_gets_a_different_ref()
    {
        var first = Sys.ActorOf(Props.Create(() => new Echo()), "reused");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        // The guardian frees the name when it learns of the death, which may be just after the test actor does.
        IActorRef? second = null;
        AwaitAssert(() => second = Sys.ActorOf(Props.Create(() => new Echo()), "reused"));

        Assert.NotNull(second);
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void ToString_shows_the_full_path_and_the_uid()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");

        var text = echo.ToString();

        Assert.Equal($"[{echo.Path}#{echo.Path.Uid}]", text);
        Assert.StartsWith("[usbmesh://", text);
        Assert.Contains($"/user/echo#{echo.Path.Uid}", text);
        Assert.NotEqual(0, echo.Path.Uid);
    }
}
