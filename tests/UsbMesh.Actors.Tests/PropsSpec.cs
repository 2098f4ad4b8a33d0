using System.Runtime.CompilerServices;
using UsbMesh.Actors.Dispatch;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class PropsSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Crash;

    private sealed record WhoAmI;

    private sealed record Identity(int Incarnation, int InstanceId, int MessagesSeen);

    private sealed record CreateChild(Props Props);

    /// <summary>Reports which incarnation it is and how many messages this instance has seen.</summary>
    private sealed class Counted : ReceiveActor
    {
        private int _seen;

        public Counted(int incarnation)
        {
            var instanceId = RuntimeHelpers.GetHashCode(this);
            Receive<WhoAmI>(_ => Sender.Tell(new Identity(incarnation, instanceId, ++_seen)));
            Receive<Crash>(_ => throw new InvalidOperationException("crash"));
        }
    }

    /// <summary>Has several constructors, to check which one <c>Props.Create&lt;T&gt;(args)</c> picks.</summary>
    private sealed class Overloaded : ReceiveActor
    {
        public Overloaded(string name) : this("(string)", name)
        {
        }

        public Overloaded(int number, string name) : this("(int, string)", $"{number} {name}")
        {
        }

        public Overloaded(IActorRef target) : this("(IActorRef)", target.Path.Name)
        {
        }

        private Overloaded(string constructor, string arguments)
        {
            Receive<WhoAmI>(_ => Sender.Tell($"{constructor}: {arguments}"));
        }
    }

    private sealed class Parameterless : ReceiveActor
    {
        public Parameterless()
        {
            Receive<WhoAmI>(_ => Sender.Tell("parameterless"));
        }
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter()
        {
            Receive<WhoAmI>(_ => Sender.Tell(Thread.CurrentThread.IsThreadPoolThread));
        }
    }

    /// <summary>Would restart its children by its own strategy; its Props may say otherwise.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        public Supervisor()
        {
            Receive<CreateChild>(c => Sender.Tell(Context.ActorOf(c.Props, "child")));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);
    }

    [Fact]
    public void Create_with_a_factory_runs_the_factory_for_every_incarnation()
    {
        var calls = 0;
        var props = Props.Create(() => new Counted(Interlocked.Increment(ref calls)));
        var actor = Sys.ActorOf(props, "counted");

        actor.Tell(new WhoAmI(), TestActor);
        var first = ExpectMsg<Identity>();
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new Crash(), TestActor));
        actor.Tell(new WhoAmI(), TestActor);
        var second = ExpectMsg<Identity>();
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new Crash(), TestActor));
        actor.Tell(new WhoAmI(), TestActor);
        actor.Tell(new WhoAmI(), TestActor);
        ExpectMsg<Identity>();
        var third = ExpectMsg<Identity>();

        Assert.Equal(1, first.Incarnation);
        Assert.Equal(2, second.Incarnation);
        Assert.Equal(3, third.Incarnation);
        Assert.Equal(3, Volatile.Read(ref calls));
        Assert.NotEqual(first.InstanceId, second.InstanceId);
        Assert.NotEqual(second.InstanceId, third.InstanceId);
        // A fresh instance starts from its initial state.
        Assert.Equal(1, second.MessagesSeen);
        Assert.Equal(2, third.MessagesSeen);
    }

    [Fact]
    public void The_same_Props_creates_independent_actors()
    {
        var calls = 0;
        var props = Props.Create(() => new Counted(Interlocked.Increment(ref calls)));

        var a = Sys.ActorOf(props, "a");
        var b = Sys.ActorOf(props, "b");
        a.Tell(new WhoAmI(), TestActor);
        var fromA = ExpectMsg<Identity>();
        b.Tell(new WhoAmI(), TestActor);
        var fromB = ExpectMsg<Identity>();

        Assert.NotEqual(fromA.InstanceId, fromB.InstanceId);
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal(typeof(Counted), props.Type);
    }

    [Fact]
    public void Create_with_arguments_picks_the_constructor_matching_one_argument()
    {
        var actor = Sys.ActorOf(Props.Create<Overloaded>("solo"));

        actor.Tell(new WhoAmI(), TestActor);

        ExpectMsg("(string): solo");
    }

    [Fact]
    public void Create_with_arguments_picks_the_constructor_matching_two_arguments()
    {
        var actor = Sys.ActorOf(Props.Create<Overloaded>(7, "seven"));

        actor.Tell(new WhoAmI(), TestActor);

        ExpectMsg("(int, string): 7 seven");
    }

    [Fact]
    public void Create_with_arguments_matches_a_constructor_by_assignable_parameter_types()
    {
        var actor = Sys.ActorOf(Props.Create<Overloaded>(TestActor));

        actor.Tell(new WhoAmI(), TestActor);

        ExpectMsg($"(IActorRef): {TestActor.Path.Name}");
    }

    [Fact]
    public void Create_with_arguments_runs_the_constructor_again_on_restart()
    {
        var actor = Sys.ActorOf(Props.Create<Counted>(5), "counted");

        actor.Tell(new WhoAmI(), TestActor);
        var before = ExpectMsg<Identity>();
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new Crash(), TestActor));
        actor.Tell(new WhoAmI(), TestActor);
        var after = ExpectMsg<Identity>();

        Assert.Equal(5, before.Incarnation);
        Assert.Equal(5, after.Incarnation);
        Assert.NotEqual(before.InstanceId, after.InstanceId);
    }

    [Fact]
    public void Create_without_arguments_uses_the_parameterless_constructor()
    {
        var actor = Sys.ActorOf(Props.Create<Parameterless>());

        actor.Tell(new WhoAmI(), TestActor);

        ExpectMsg("parameterless");
    }

    [Fact]
    public void ActorOf_of_T_uses_the_parameterless_constructor()
    {
        var actor = Sys.ActorOf<Parameterless>("plain");

        actor.Tell(new WhoAmI(), TestActor);

        ExpectMsg("parameterless");
        Assert.Equal("plain", actor.Path.Name);
    }

    [Fact]
    public void Arguments_that_match_no_constructor_are_rejected_with_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Sys.ActorOf(Props.Create<Overloaded>(3.14)));
        Assert.Throws<ArgumentException>(() => Sys.ActorOf(Props.Create<Overloaded>("a", "b")));
        Assert.Throws<ArgumentException>(() => Sys.ActorOf(Props.Create<Parameterless>("unexpected")));
    }

    [Fact]
    public void A_type_that_is_not_an_actor_is_rejected_with_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Props.Create(typeof(string)));
    }

    [Fact]
    public void Creating_an_actor_with_new_outside_Props_throws_ActorInitializationException()
    {
        Assert.Throws<ActorInitializationException>(() => new Parameterless());
    }

    [Fact]
    public void Props_run_on_the_default_dispatcher_unless_told_otherwise()
    {
        var props = Props.Create(() => new Parameterless());

        Assert.Equal(Dispatchers.DefaultDispatcherId, props.Dispatcher);
        Assert.Null(props.SupervisorStrategy);
    }

    [Fact]
    public void WithDispatcher_returns_new_Props_and_leaves_the_original_unchanged()
    {
        var props = Props.Create(() => new Parameterless());

        var pinned = props.WithDispatcher(Dispatchers.PinnedDispatcherId);

        Assert.NotSame(props, pinned);
        Assert.Equal(Dispatchers.PinnedDispatcherId, pinned.Dispatcher);
        Assert.Equal(Dispatchers.DefaultDispatcherId, props.Dispatcher);
        Assert.Equal(props.Type, pinned.Type);
    }

    [Fact]
    public void WithDispatcher_runs_the_actor_on_that_dispatcher()
    {
        var pooled = Sys.ActorOf(Props.Create(() => new ThreadReporter()), "pooled");
        var pinned = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.PinnedDispatcherId), "pinned");

        pooled.Tell(new WhoAmI(), TestActor);
        ExpectMsg(true);
        pinned.Tell(new WhoAmI(), TestActor);
        ExpectMsg(false);
    }

    [Fact]
    public void WithDispatcher_with_an_unknown_id_makes_ActorOf_throw_InvalidOperationException_naming_the_dispatcher()
    {
        var props = Props.Create(() => new Parameterless()).WithDispatcher("no-such-dispatcher");

        var e = Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(props, "misconfigured"));

        Assert.Contains("no-such-dispatcher", e.Message);
        // Nothing was created: the name is still free.
        var actor = Sys.ActorOf(Props.Create(() => new Parameterless()), "misconfigured");
        actor.Tell(new WhoAmI(), TestActor);
        ExpectMsg("parameterless");
    }

    [Fact]
    public void WithSupervisorStrategy_is_stored_and_leaves_the_original_unchanged()
    {
        var props = Props.Create(() => new Supervisor());
        var strategy = new OneForOneStrategy(_ => Directive.Stop);

        var supervised = props.WithSupervisorStrategy(strategy);

        Assert.Same(strategy, supervised.SupervisorStrategy);
        Assert.Null(props.SupervisorStrategy);
        Assert.Equal(props.Dispatcher, supervised.Dispatcher);
        Assert.Same(strategy, supervised.WithDispatcher(Dispatchers.PinnedDispatcherId).SupervisorStrategy);
    }

    [Fact]
    public void The_strategy_in_Props_overrides_the_actors_own_strategy()
    {
        var supervisor = Sys.ActorOf(
            Props.Create(() => new Supervisor()).WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Stop)), "supervisor");
        supervisor.Tell(new CreateChild(Props.Create(() => new Counted(1))), TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new Crash(), TestActor));

        ExpectTerminated(child);
    }

    [Fact]
    public void Without_a_strategy_in_Props_the_actors_own_strategy_applies()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor()), "supervisor");
        supervisor.Tell(new CreateChild(Props.Create(() => new Counted(1))), TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new Crash(), TestActor));

        child.Tell(new WhoAmI(), TestActor);
        ExpectMsg<Identity>(i => Assert.Equal(1, i.MessagesSeen));
    }

    [Fact]
    public void ToString_names_the_actor_type_and_dispatcher()
    {
        var props = Props.Create(() => new Parameterless()).WithDispatcher(Dispatchers.PinnedDispatcherId);

        var text = props.ToString();

        Assert.Contains(nameof(Parameterless), text);
        Assert.Contains(Dispatchers.PinnedDispatcherId, text);
    }
}
