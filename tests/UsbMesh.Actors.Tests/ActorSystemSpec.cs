using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class ActorSystemSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static Task Bounded(Task task) => task.WaitAsync(Dilated(TimeSpan.FromSeconds(20)));

    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    /// <summary>Records its PostStop; creates the named children on start.</summary>
    private sealed class Recorder : ReceiveActor
    {
        private readonly ConcurrentQueue<string> _record;
        private readonly string _name;

        public Recorder(ConcurrentQueue<string> record, string name, int children)
        {
            _record = record;
            _name = name;
            for (var i = 0; i < children; i++)
            {
                var childName = $"{name}-child{i}";
                Context.ActorOf(Props.Create(() => new Recorder(record, childName, 0)), $"child{i}");
            }

            ReceiveAny(m => Sender.Tell(m));
        }

        protected override void PostStop() => _record.Enqueue(_name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("_leading-underscore")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("dot.ted")]
    [InlineData("colon:name")]
    [InlineData("ümlaut")]
    public void Create_with_an_invalid_name_throws_ArgumentException(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create(name));

        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void Create_with_a_null_name_throws_ArgumentException()
    {
        Assert.ThrowsAny<ArgumentException>(() => ActorSystem.Create(null!));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("Usb-Mesh_node-2")]
    public async Task Create_accepts_letters_digits_dashes_and_underscores(string name)
    {
        var system = ActorSystem.Create(name);
        try
        {
            Assert.Equal(name, system.Name);
            Assert.Equal($"ActorSystem({name})", system.ToString());
            Assert.Same(ActorSystemSettings.Default, system.Settings);
            Assert.True(system.StartTime <= DateTimeOffset.UtcNow);
            Assert.True(system.Uptime >= TimeSpan.Zero);
        }
        finally
        {
            await Bounded(system.Terminate());
        }
    }

    [Fact]
    public void ActorOf_creates_a_top_level_actor_under_user()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Echo()), "x");

        Assert.Equal("/user/x", actor.Path.ToStringWithoutAddress());
        Assert.Equal($"usbmesh://{Sys.Name}/user/x", actor.Path.ToString());
        Assert.Equal("x", actor.Path.Name);
        Assert.Equal("/user", actor.Path.Parent!.ToStringWithoutAddress());
        Assert.NotEqual(0, actor.Path.Uid);
        actor.Tell("hello", TestActor);
        ExpectMsg("hello");
        Assert.Equal(actor, LastSender);
    }

    [Fact]
    public void ActorOf_without_a_name_generates_a_unique_one()
    {
        var a = Sys.ActorOf(Props.Create(() => new Echo()));
        var b = Sys.ActorOf(Props.Create(() => new Echo()));

        Assert.StartsWith("$", a.Path.Name);
        Assert.StartsWith("$", b.Path.Name);
        Assert.NotEqual(a.Path.Name, b.Path.Name);
        Assert.StartsWith("/user/$", a.Path.ToStringWithoutAddress());
    }

    [Fact]
    public void ActorOf_with_a_taken_name_throws_InvalidActorNameException()
    {
        Sys.ActorOf(Props.Create(() => new Echo()), "taken");

        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Echo()), "taken"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    public void ActorOf_with_an_invalid_name_throws_InvalidActorNameException(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Echo()), name));
    }

    [Fact]
    public void Stop_stops_a_top_level_actor_and_frees_its_name()
    {
        var record = new ConcurrentQueue<string>();
        var actor = Sys.ActorOf(Props.Create(() => new Recorder(record, "stopped", 0)), "stopped");
        Watch(actor);

        Sys.Stop(actor);

        ExpectTerminated(actor);
        Assert.Equal(["stopped"], record);
        // The guardian forgets the child when it learns of its death, which may come just after our Terminated.
        IActorRef? again = null;
        AwaitAssert(() => again = Sys.ActorOf(Props.Create(() => new Echo()), "stopped"), TimeSpan.FromSeconds(5));
        Assert.NotEqual(actor, again);
        again!.Tell("new incarnation", TestActor);
        ExpectMsg("new incarnation");
    }

    [Fact]
    public async Task Terminate_stops_every_user_actor_children_first_and_completes_WhenTerminated()
    {
        var system = ActorSystem.Create("terminate-all");
        var record = new ConcurrentQueue<string>();
        var parents = new[] { "p0", "p1", "p2" };
        foreach (var name in parents)
        {
            var parent = system.ActorOf(Props.Create(() => new Recorder(record, name, 2)), name);
            Assert.Equal("ready", await parent.Ask<string>("ready", Dilated(TimeSpan.FromSeconds(5))));
        }

        Assert.False(system.WhenTerminated.IsCompleted);

        await Bounded(system.Terminate());

        var stopped = record.ToList();
        Assert.Equal(9, stopped.Count);
        foreach (var parent in parents)
        {
            var parentIndex = stopped.IndexOf(parent);
            Assert.True(parentIndex >= 0, $"{parent} did not stop");
            Assert.All(new[] { $"{parent}-child0", $"{parent}-child1" }, child =>
            {
                var childIndex = stopped.IndexOf(child);
                Assert.True(childIndex >= 0 && childIndex < parentIndex, $"{child} did not stop before {parent}: {string.Join(", ", stopped)}");
            });
        }

        Assert.True(system.WhenTerminated.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Terminate_called_twice_returns_the_terminated_task()
    {
        var system = ActorSystem.Create("terminate-twice");
        var first = system.Terminate();
        var second = system.Terminate();

        await Bounded(first);

        Assert.Same(first, second);
        Assert.Same(system.WhenTerminated, first);
        Assert.True(system.Terminate().IsCompletedSuccessfully);
    }

    [Fact]
    public void Dispose_terminates_the_system()
    {
        var record = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("disposed");
        system.ActorOf(Props.Create(() => new Recorder(record, "disposed-actor", 1)), "actor");

        system.Dispose();

        Assert.True(system.WhenTerminated.IsCompletedSuccessfully);
        Assert.Equal(["disposed-actor-child0", "disposed-actor"], record);
    }

    [Fact]
    public async Task ActorOf_after_termination_throws_InvalidOperationException_without_hanging()
    {
        var system = ActorSystem.Create("terminated");
        await Bounded(system.Terminate());

        var attempt = Task.Run(() => system.ActorOf(Props.Create(() => new Echo()), "late"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Bounded(attempt));
    }

    [Fact]
    public async Task Tell_to_an_actor_of_a_terminated_system_is_harmless()
    {
        var system = ActorSystem.Create("terminated-tell");
        var actor = system.ActorOf(Props.Create(() => new Echo()), "echo");
        await Bounded(system.Terminate());

        var attempt = Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                actor.Tell(i, TestActor);
            }

            system.Stop(actor);
            system.EventStream.Publish("after termination");
        });

        await Bounded(attempt);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
