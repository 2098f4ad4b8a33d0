using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ActorContextSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Describe;

    private sealed record Description(IActorRef Self, IActorRef Sender, IActorRef Parent, ActorSystem System, Type ActorType);

    private sealed record CreateChild(string Name);

    private sealed record GetChild(string Name);

    private sealed record GetChildren;

    private sealed record Children(string[] Names);

    private sealed record StopChild(string Name);

    private sealed record ChildStopped(IActorRef Child, IActorRef Lookup, string[] Remaining);

    private sealed record StopYourself;

    /// <summary>Describes its context as seen while processing a message.</summary>
    private sealed class Describer : ReceiveActor
    {
        public Describer()
        {
            Receive<Describe>(_ => Sender.Tell(
                new Description(Context.Self, Context.Sender, Context.Parent, Context.System, Context.Props.Type)));
            Receive<StopYourself>(_ => Context.Stop(Self));
        }
    }

    /// <summary>Creates "first" in its constructor; creates, looks up, lists and stops children on request.</summary>
    private sealed class Parent : ReceiveActor
    {
        private IActorRef _requester = ActorRefs.Nobody;

        public Parent()
        {
            var first = Context.ActorOf(Props.Create(() => new Describer()), "first");
            Receive<CreateChild>(c => Sender.Tell(Context.ActorOf(Props.Create(() => new Describer()), c.Name)));
            Receive<GetChild>(g => Sender.Tell(Context.Child(g.Name)));
            Receive<GetChildren>(_ => Sender.Tell(new Children(ChildNames())));
            Receive<StopChild>(s =>
            {
                _requester = Sender;
                var child = Context.Child(s.Name);
                Context.Watch(child);
                Context.Stop(child);
            });
            Receive<Terminated>(t => _requester.Tell(new ChildStopped(t.ActorRef, Context.Child(t.ActorRef.Path.Name), ChildNames())));
            Receive<Describe>(_ => Sender.Tell(first));
        }

        private string[] ChildNames() => [.. Context.GetChildren().Select(c => c.Path.Name).Order(StringComparer.Ordinal)];
    }

    private IActorRef NewParent() => Sys.ActorOf(Props.Create(() => new Parent()), "parent");

    [Fact]
    public void Self_is_the_ref_ActorOf_returned()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");

        actor.Tell(new Describe(), TestActor);

        var description = ExpectMsg<Description>();
        Assert.Equal(actor, description.Self);
        Assert.Equal(actor.Path.Uid, description.Self.Path.Uid);
    }

    [Fact]
    public void Sender_is_the_sender_of_the_current_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");
        var probe = CreateTestProbe();

        actor.Tell(new Describe(), TestActor);
        actor.Tell(new Describe(), probe.Ref);

        Assert.Equal(TestActor, ExpectMsg<Description>().Sender);
        Assert.Equal(probe.Ref, probe.ExpectMsg<Description>().Sender);
    }

    [Fact]
    public void Sender_is_DeadLetters_when_there_is_no_sender()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");
        var deadLetters = CreateTestProbe("deadLetters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        actor.Tell(new Describe(), ActorRefs.NoSender);

        // The description is answered to the sender, so it lands in dead letters.
        deadLetters.ExpectMsg<DeadLetter>(d => Assert.Equal(Sys.DeadLetters, ((Description)d.Message).Sender));
    }

    [Fact]
    public void The_parent_of_a_top_level_actor_is_the_user_guardian()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");

        actor.Tell(new Describe(), TestActor);

        var parent = ExpectMsg<Description>().Parent;
        Assert.Equal("/user", parent.Path.ToStringWithoutAddress());
        Assert.Equal(actor.Path.Parent, parent.Path);
    }

    [Fact]
    public void The_parent_of_a_child_is_the_actor_that_created_it()
    {
        var parent = NewParent();
        parent.Tell(new CreateChild("kid"), TestActor);
        var kid = ExpectMsg<IActorRef>();

        kid.Tell(new Describe(), TestActor);

        var description = ExpectMsg<Description>();
        Assert.Equal(parent, description.Parent);
        Assert.Equal("/user/parent/kid", description.Self.Path.ToStringWithoutAddress());
    }

    [Fact]
    public void System_is_the_actors_system_and_Props_are_its_own()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");

        actor.Tell(new Describe(), TestActor);

        var description = ExpectMsg<Description>();
        Assert.Same(Sys, description.System);
        Assert.Equal(typeof(Describer), description.ActorType);
    }

    [Fact]
    public void A_child_created_in_the_constructor_exists_before_the_first_message()
    {
        var parent = NewParent();

        parent.Tell(new GetChild("first"), TestActor);
        var first = ExpectMsg<IActorRef>();

        Assert.False(first.IsNobody());
        Assert.Equal("/user/parent/first", first.Path.ToStringWithoutAddress());
        parent.Tell(new Describe(), TestActor);
        ExpectMsg(first);
        first.Tell(new Describe(), TestActor);
        Assert.Equal(parent, ExpectMsg<Description>().Parent);
    }

    [Fact]
    public void Child_returns_the_child_with_that_name()
    {
        var parent = NewParent();
        parent.Tell(new CreateChild("second"), TestActor);
        var second = ExpectMsg<IActorRef>();

        parent.Tell(new GetChild("second"), TestActor);

        ExpectMsg(second);
    }

    [Fact]
    public void Child_returns_Nobody_when_there_is_no_such_child()
    {
        var parent = NewParent();

        parent.Tell(new GetChild("missing"), TestActor);

        var missing = ExpectMsg<IActorRef>();
        Assert.True(missing.IsNobody());
        Assert.Equal(ActorRefs.Nobody, missing);
    }

    [Fact]
    public void GetChildren_lists_every_child()
    {
        var parent = NewParent();
        parent.Tell(new CreateChild("b"), TestActor);
        ExpectMsg<IActorRef>();
        parent.Tell(new CreateChild("a"), TestActor);
        ExpectMsg<IActorRef>();

        parent.Tell(new GetChildren(), TestActor);

        ExpectMsg<Children>(c => Assert.Equal(["a", "b", "first"], c.Names));
    }

    [Fact]
    public void After_its_only_child_stopped_GetChildren_is_empty()
    {
        var parent = NewParent();
        parent.Tell(new GetChild("first"), TestActor);
        var first = ExpectMsg<IActorRef>();

        parent.Tell(new StopChild("first"), TestActor);

        ExpectMsg<ChildStopped>(s =>
        {
            Assert.Equal(first, s.Child);
            Assert.Empty(s.Remaining);
        });
        parent.Tell(new GetChildren(), TestActor);
        ExpectMsg<Children>(c => Assert.Empty(c.Names));
    }

    [Fact]
    public void Stop_of_a_child_stops_it_and_removes_it_from_the_children()
    {
        var parent = NewParent();
        parent.Tell(new CreateChild("doomed"), TestActor);
        var doomed = ExpectMsg<IActorRef>();
        Watch(doomed);

        parent.Tell(new StopChild("doomed"), TestActor);

        var messages = ReceiveN(2);
        Assert.Contains(messages, m => m is Terminated t && t.ActorRef.Equals(doomed));
        var stopped = Assert.Single(messages.OfType<ChildStopped>());
        Assert.Equal(doomed, stopped.Child);
        Assert.True(stopped.Lookup.IsNobody());
        Assert.Equal(["first"], stopped.Remaining);
    }

    [Fact]
    public void After_Stop_the_child_lookup_returns_Nobody_and_the_name_is_free_again()
    {
        var parent = NewParent();
        parent.Tell(new CreateChild("doomed"), TestActor);
        var doomed = ExpectMsg<IActorRef>();
        parent.Tell(new StopChild("doomed"), TestActor);
        ExpectMsg<ChildStopped>(s => Assert.True(s.Lookup.IsNobody()));

        parent.Tell(new CreateChild("doomed"), TestActor);

        var reborn = ExpectMsg<IActorRef>();
        Assert.Equal(doomed.Path, reborn.Path);
        Assert.NotEqual(doomed, reborn);
    }

    [Fact]
    public void Stop_of_Self_stops_the_actor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Describer()), "describer");
        Watch(actor);

        actor.Tell(new StopYourself(), TestActor);

        ExpectTerminated(actor);
    }

    [Fact]
    public void Stopping_a_parent_stops_its_children_too()
    {
        var parent = NewParent();
        parent.Tell(new GetChild("first"), TestActor);
        var first = ExpectMsg<IActorRef>();
        Watch(first);
        Watch(parent);

        Sys.Stop(parent);

        // Both deaths are reported; their order at a third party is not defined.
        ExpectMsgAllOf(
            new Terminated(first, ExistenceConfirmed: true, AddressTerminated: false),
            new Terminated(parent, ExistenceConfirmed: true, AddressTerminated: false));
    }
}
