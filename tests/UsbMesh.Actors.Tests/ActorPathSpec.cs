using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ActorPathSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Creates a child named "b" in its constructor and hands it out.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            var child = Context.ActorOf(Props.Create(() => new Idle()), "b");
            Receive<GetChild>(_ => Sender.Tell(child));
            Receive<CreateChild>(c =>
            {
                try
                {
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Idle()), c.Name));
                }
                catch (InvalidActorNameException e)
                {
                    Sender.Tell(e);
                }
            });
        }
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle()
        {
            Receive<string>(s => Sender.Tell(s));
        }
    }

    private sealed record GetChild;

    private sealed record CreateChild(string Name);

    private IActorRef CreateNested()
    {
        var a = Sys.ActorOf(Props.Create(() => new Parent()), "a");
        a.Tell(new GetChild(), TestActor);
        return ExpectMsg<IActorRef>();
    }

    [Fact]
    public void A_nested_actor_has_the_path_user_a_b()
    {
        var b = CreateNested();

        Assert.Equal("/user/a/b", b.Path.ToStringWithoutAddress());
        Assert.Equal($"usbmesh://{Sys.Name}/user/a/b", b.Path.ToString());
    }

    [Fact]
    public void Elements_Name_and_Parent_describe_the_hierarchy()
    {
        var b = CreateNested();
        var path = b.Path;

        Assert.Equal(["user", "a", "b"], path.Elements);
        Assert.Equal("b", path.Name);
        Assert.Equal(3, path.Depth);
        Assert.NotNull(path.Parent);
        Assert.Equal("a", path.Parent.Name);
        Assert.Equal("/user/a", path.Parent.ToStringWithoutAddress());
        Assert.NotNull(path.Parent.Parent);
        Assert.Equal("/user", path.Parent.Parent.ToStringWithoutAddress());
        var root = path.Parent.Parent.Parent;
        Assert.NotNull(root);
        Assert.Null(root.Parent);
        Assert.Equal("/", root.ToStringWithoutAddress());
        Assert.Empty(root.Elements);
        Assert.Equal(Sys.Name, path.Address.System);
    }

    [Fact]
    public void Paths_built_by_hand_equal_the_actors_path_whatever_the_uid()
    {
        var b = CreateNested();
        var byHand = ActorPath.Root(b.Path.Address) / "user" / "a" / "b";

        Assert.Equal(0, byHand.Uid);
        Assert.NotEqual(0, b.Path.Uid);
        Assert.Equal(byHand, b.Path);
        Assert.True(byHand == b.Path);
        Assert.Equal(byHand.GetHashCode(), b.Path.GetHashCode());
        Assert.NotEqual(ActorPath.Root(b.Path.Address) / "user" / "a" / "c", b.Path);
        Assert.NotEqual(ActorPath.Root(b.Path.Address) / "user" / "a", b.Path);
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("CamelCase42")]
    [InlineData("0-leading-digit")]
    [InlineData("with-_.*$+:@&=,!~';")]
    [InlineData("hello%20world")]
    [InlineData("%C3%A9t%C3%A9")]
    [InlineData("a")]
    public void Valid_names_are_accepted_and_kept_verbatim(string name)
    {
        var actor = Sys.ActorOf(Props.Create(() => new Idle()), name);

        Assert.Equal(name, actor.Path.Name);
        Assert.Equal("/user/" + name, actor.Path.ToStringWithoutAddress());
        Assert.True(ActorPath.IsValidPathElement(name));
        actor.Tell("alive", TestActor);
        ExpectMsg("alive");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("with space")]
    [InlineData("a/b")]
    [InlineData("/leading-slash")]
    [InlineData("$reserved")]
    [InlineData("hash#tag")]
    [InlineData("unicode-é")]
    [InlineData("bad%zzescape")]
    [InlineData("short%2")]
    [InlineData("question?")]
    public void Invalid_names_are_rejected_with_InvalidActorNameException(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Idle()), name));
    }

    [Fact]
    public void Invalid_child_names_are_rejected_inside_an_actor_too()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent()), "parent");

        parent.Tell(new CreateChild("not valid"), TestActor);
        ExpectMsg<InvalidActorNameException>();
        parent.Tell(new CreateChild("$generated-looking"), TestActor);
        ExpectMsg<InvalidActorNameException>();
        parent.Tell(new CreateChild("fine"), TestActor);
        ExpectMsg<IActorRef>(r => Assert.Equal("fine", r.Path.Name));
    }

    [Fact]
    public void A_rejected_name_creates_no_actor()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent()), "parent");

        parent.Tell(new CreateChild("bad name"), TestActor);
        ExpectMsg<InvalidActorNameException>();
        parent.Tell(new CreateChild("b"), TestActor);
        ExpectMsg<InvalidActorNameException>();
        parent.Tell(new CreateChild("c"), TestActor);

        var c = ExpectMsg<IActorRef>();
        Assert.Equal("/user/parent/c", c.Path.ToStringWithoutAddress());
    }

    [Fact]
    public void A_duplicate_top_level_name_is_rejected_with_InvalidActorNameException()
    {
        var first = Sys.ActorOf(Props.Create(() => new Idle()), "twin");

        var e = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Idle()), "twin"));

        Assert.Contains("twin", e.Message);
        first.Tell("still the first", TestActor);
        ExpectMsg("still the first");
        Assert.Equal(first, LastSender);
    }

    [Fact]
    public void A_duplicate_child_name_is_rejected_with_InvalidActorNameException()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent()), "parent");

        // "b" is created by the parent's constructor.
        parent.Tell(new CreateChild("b"), TestActor);

        ExpectMsg<InvalidActorNameException>(e => Assert.Contains("b", e.Message));
    }

    [Fact]
    public void When_several_threads_race_for_one_name_exactly_one_wins()
    {
        const int contenders = 8;
        var winners = 0;
        var losers = 0;
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, contenders).Select(_ => new Thread(() =>
        {
            start.Wait();
            try
            {
                Sys.ActorOf(Props.Create(() => new Idle()), "contested");
                Interlocked.Increment(ref winners);
            }
            catch (InvalidActorNameException)
            {
                Interlocked.Increment(ref losers);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        start.Set();
        threads.ForEach(t => Assert.True(t.Join(TestKitBase.Dilated(TimeSpan.FromSeconds(10)))));

        Assert.Equal(1, winners);
        Assert.Equal(contenders - 1, losers);
    }

    [Fact]
    public void The_same_name_may_be_used_under_different_parents()
    {
        var one = Sys.ActorOf(Props.Create(() => new Parent()), "one");
        var two = Sys.ActorOf(Props.Create(() => new Parent()), "two");

        one.Tell(new GetChild(), TestActor);
        var b1 = ExpectMsg<IActorRef>();
        two.Tell(new GetChild(), TestActor);
        var b2 = ExpectMsg<IActorRef>();

        Assert.Equal("/user/one/b", b1.Path.ToStringWithoutAddress());
        Assert.Equal("/user/two/b", b2.Path.ToStringWithoutAddress());
        Assert.NotEqual(b1, b2);
    }

    [Fact]
    public void Generated_names_start_with_a_dollar_and_are_unique()
    {
        const int count = 200;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var actor = Sys.ActorOf(Props.Create(() => new Idle()));
            Assert.StartsWith("$", actor.Path.Name);
            Assert.True(actor.Path.Name.Length > 1);
            Assert.True(ActorPath.IsValidPathElement(actor.Path.Name), actor.Path.Name);
            Assert.Equal(["user", actor.Path.Name], actor.Path.Elements);
            Assert.True(names.Add(actor.Path.Name), $"duplicate generated name {actor.Path.Name}");
        }

        Assert.Equal(count, names.Count);
    }

    [Fact]
    public void Generated_names_stay_unique_when_actors_are_created_concurrently()
    {
        const int perThread = 50;
        var refs = new System.Collections.Concurrent.ConcurrentBag<IActorRef>();
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                refs.Add(Sys.ActorOf(Props.Create(() => new Idle())));
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TestKitBase.Dilated(TimeSpan.FromSeconds(10)))));

        Assert.Equal(4 * perThread, refs.Select(r => r.Path.Name).Distinct(StringComparer.Ordinal).Count());
    }
}
