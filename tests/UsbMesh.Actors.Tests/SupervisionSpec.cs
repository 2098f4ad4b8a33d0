using UsbMesh.Actors.Event;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// Supervision, after Akka.NET's SupervisorSpec and SupervisorHierarchySpec: the four directives, one-for-one and
/// all-for-one, restart limits, the default decider, strategies given through Props, how failures are logged, and a
/// child that fails while its parent is stopping.
/// </summary>
public sealed class SupervisionSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan NoMessage = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Resume_keeps_the_failed_instance_and_its_state()
    {
        var lifecycle = CreateTestProbe();
        var child = ChildOf(SupervisorWith(new OneForOneStrategy(_ => Directive.Resume)), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        IncrementTwiceAndConfirm(child);

        // Resume is reported as a warning, not an error.
        EventFilter.Warning(contains: "resume me").ExpectOne(() => child.Tell(new InvalidOperationException("resume me"), TestActor));

        child.Tell("get", TestActor);
        ExpectMsg(2);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Restart_replaces_the_failed_instance_and_so_resets_its_state()
    {
        var lifecycle = CreateTestProbe();
        var child = ChildOf(SupervisorWith(new OneForOneStrategy(_ => Directive.Restart)), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        IncrementTwiceAndConfirm(child);

        EventFilter.Exception<InvalidOperationException>(contains: "restart me")
            .ExpectOne(() => child.Tell(new InvalidOperationException("restart me"), TestActor));

        lifecycle.ExpectMsg("child started 2");
        child.Tell("get", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void Stop_stops_the_failed_child_and_its_watchers_see_it_terminate()
    {
        var lifecycle = CreateTestProbe();
        var child = ChildOf(SupervisorWith(new OneForOneStrategy(_ => Directive.Stop)), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        Watch(child);

        EventFilter.Exception<InvalidOperationException>(contains: "stop me")
            .ExpectOne(() => child.Tell(new InvalidOperationException("stop me"), TestActor));

        ExpectTerminated(child);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Escalate_lets_the_grandparent_decide_and_restarting_the_parent_stops_its_children()
    {
        var lifecycle = CreateTestProbe();
        var top = SupervisorWith(new OneForOneStrategy(_ => Directive.Restart));
        var middle = ChildOf(top, Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate), lifecycle.Ref, "middle")));
        lifecycle.ExpectMsg("middle started");
        var child = ChildOf(middle, Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        Watch(child);
        var middleWatcher = CreateTestProbe();
        middleWatcher.Watch(middle);

        // Only the grandparent logs: it restarts the middle actor, which failed with the child's exception.
        EventFilter.Exception<InvalidOperationException>(contains: "escalate me", source: middle.Path.ToString())
            .ExpectOne(() => child.Tell(new InvalidOperationException("escalate me"), TestActor));

        ExpectTerminated(child);
        lifecycle.ExpectMsg("middle started");
        middle.Tell("children?", TestActor);
        ExpectMsg(0);
        // The middle actor was restarted, not stopped, and the child was not restarted.
        middleWatcher.ExpectNoMsg(NoMessage);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void AllForOne_restarts_every_child_when_one_fails()
    {
        var lifecycle = CreateTestProbe();
        var supervisor = SupervisorWith(new AllForOneStrategy(_ => Directive.Restart));
        var failing = ChildOf(supervisor, Stateful(lifecycle, "a"));
        var sibling = ChildOf(supervisor, Stateful(lifecycle, "b"));
        lifecycle.ExpectMsgAllOf("a started 1", "b started 1");
        IncrementTwiceAndConfirm(failing);
        IncrementTwiceAndConfirm(sibling);

        EventFilter.Exception<InvalidOperationException>(contains: "a failed")
            .ExpectOne(() => failing.Tell(new InvalidOperationException("a failed"), TestActor));

        lifecycle.ExpectMsgAllOf("a started 2", "b started 2");
        failing.Tell("get", TestActor);
        ExpectMsg(0);
        sibling.Tell("get", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void AllForOne_stops_every_child_when_one_fails_with_a_stop()
    {
        var lifecycle = CreateTestProbe();
        var supervisor = SupervisorWith(new AllForOneStrategy(_ => Directive.Stop));
        var failing = ChildOf(supervisor, Stateful(lifecycle, "a"));
        var sibling = ChildOf(supervisor, Stateful(lifecycle, "b"));
        lifecycle.ExpectMsgAllOf("a started 1", "b started 1");
        Watch(failing);
        Watch(sibling);

        EventFilter.Exception<InvalidOperationException>(contains: "a failed")
            .ExpectOne(() => failing.Tell(new InvalidOperationException("a failed"), TestActor));

        ExpectMsgAllOf(new Terminated(failing, true, false), new Terminated(sibling, true, false));
        supervisor.Tell("children?", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void OneForOne_restarts_only_the_failed_child()
    {
        var lifecycle = CreateTestProbe();
        var supervisor = SupervisorWith(new OneForOneStrategy(_ => Directive.Restart));
        var failing = ChildOf(supervisor, Stateful(lifecycle, "a"));
        var sibling = ChildOf(supervisor, Stateful(lifecycle, "b"));
        lifecycle.ExpectMsgAllOf("a started 1", "b started 1");
        IncrementTwiceAndConfirm(sibling);

        EventFilter.Exception<InvalidOperationException>()
            .ExpectOne(() => failing.Tell(new InvalidOperationException("a failed"), TestActor));

        lifecycle.ExpectMsg("a started 2");
        sibling.Tell("get", TestActor);
        ExpectMsg(2);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_child_that_fails_more_often_than_allowed_within_the_time_range_is_stopped()
    {
        var lifecycle = CreateTestProbe();
        var strategy = new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        var child = ChildOf(SupervisorWith(strategy), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        Watch(child);

        Fail(child, "first");
        lifecycle.ExpectMsg("child started 2");
        Fail(child, "second");
        lifecycle.ExpectMsg("child started 3");
        Fail(child, "third");

        ExpectTerminated(child);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Restarts_are_counted_per_time_window_and_a_new_window_starts_a_new_count()
    {
        var lifecycle = CreateTestProbe();
        var window = TimeSpan.FromMilliseconds(300);
        var strategy = new OneForOneStrategy(1, window, _ => Directive.Restart);
        var child = ChildOf(SupervisorWith(strategy), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        Watch(child);

        Fail(child, "first");
        lifecycle.ExpectMsg("child started 2");

        // Let the window pass (twice over); nothing else may happen meanwhile.
        ExpectNoMsg(window * 2);

        // With one restart allowed per window, this second failure is only a restart because the window moved on.
        Fail(child, "second");
        lifecycle.ExpectMsg("child started 3");
        child.Tell("get", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void The_default_decider_stops_on_initialization_kill_and_death_pact_failures_and_restarts_on_others()
    {
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException("init")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new PostRestartException(ActorRefs.Nobody, new InvalidOperationException(), new InvalidOperationException())));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException("kill")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(ActorRefs.Nobody)));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new InvalidOperationException()));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new ArgumentException("other")));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new ActorsException("kernel, but not fatal")));
    }

    [Theory]
    [InlineData(nameof(ActorInitializationException))]
    [InlineData(nameof(ActorKilledException))]
    [InlineData(nameof(DeathPactException))]
    public void The_default_strategy_stops_a_child_that_fails_with(string exceptionName)
    {
        Exception failure = exceptionName switch
        {
            nameof(ActorInitializationException) => new ActorInitializationException("fatal init"),
            nameof(ActorKilledException) => new ActorKilledException("fatal kill"),
            _ => new DeathPactException(ActorRefs.Nobody),
        };
        var lifecycle = CreateTestProbe();
        var child = Sys.ActorOf(Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        Watch(child);

        EventFilter.Error(contains: failure.Message).ExpectOne(() => child.Tell(failure, TestActor));

        ExpectTerminated(child);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void The_default_strategy_restarts_a_child_that_fails_with_any_other_exception()
    {
        var lifecycle = CreateTestProbe();
        var child = Sys.ActorOf(Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        IncrementTwiceAndConfirm(child);

        EventFilter.Exception<ArgumentException>().ExpectOne(() => child.Tell(new ArgumentException("bad argument"), TestActor));
        lifecycle.ExpectMsg("child started 2");
        EventFilter.Exception<ActorsException>().ExpectOne(() => child.Tell(new ActorsException("kernel, but not fatal"), TestActor));
        lifecycle.ExpectMsg("child started 3");

        child.Tell("get", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void A_strategy_given_through_Props_overrides_the_actors_own()
    {
        var lifecycle = CreateTestProbe();
        // The actor's own strategy restarts; the one in its Props stops.
        var overridden = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Restart), null, ""))
            .WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        var plain = SupervisorWith(new OneForOneStrategy(_ => Directive.Restart));
        var stoppedChild = ChildOf(overridden, Stateful(lifecycle, "a"));
        lifecycle.ExpectMsg("a started 1");
        var restartedChild = ChildOf(plain, Stateful(lifecycle, "b"));
        lifecycle.ExpectMsg("b started 1");
        Watch(stoppedChild);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => stoppedChild.Tell(new InvalidOperationException("a"), TestActor));
        ExpectTerminated(stoppedChild);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => restartedChild.Tell(new InvalidOperationException("b"), TestActor));
        lifecycle.ExpectMsg("b started 2");
        lifecycle.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_handled_failure_is_published_as_an_error_from_the_child_with_the_exception_as_cause()
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var lifecycle = CreateTestProbe();
        var child = ChildOf(SupervisorWith(new OneForOneStrategy(_ => Directive.Restart)), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");
        var failure = new InvalidOperationException("reported");

        child.Tell(failure, TestActor);

        var error = errors.ExpectMsg<Error>();
        Assert.Same(failure, error.Cause);
        Assert.Equal(child.Path.ToString(), error.LogSource);
        Assert.Contains("reported", error.RenderMessage(), StringComparison.Ordinal);
        lifecycle.ExpectMsg("child started 2");
        errors.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_strategy_with_logging_disabled_publishes_nothing()
    {
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(Error));
        Sys.EventStream.Subscribe(logs.Ref, typeof(Warning));
        var lifecycle = CreateTestProbe();
        var strategy = new OneForOneStrategy(_ => Directive.Restart) { LoggingEnabled = false };
        var child = ChildOf(SupervisorWith(strategy), Stateful(lifecycle, "child"));
        lifecycle.ExpectMsg("child started 1");

        child.Tell(new InvalidOperationException("quiet"), TestActor);

        // The restart proves the failure was handled; a log event would have been published before it.
        lifecycle.ExpectMsg("child started 2");
        logs.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_child_failing_while_its_parent_stops_is_not_restarted_and_both_terminate()
    {
        using var gate = new ManualResetEventSlim();
        var lifecycle = CreateTestProbe();
        var generations = new Generations();
        var parent = Sys.ActorOf(Props.Create(() => new ParentWithGatedChild(TestActor, lifecycle.Ref, generations, gate)));
        var (failing, _) = ExpectMsg<Children>();
        lifecycle.ExpectMsg("failing started 1");
        Watch(parent);
        Watch(failing);

        failing.Tell("fail when released", TestActor);
        lifecycle.ExpectMsg("failing blocked");
        Sys.Stop(parent);
        // The parent is stopping once it has told its children to stop; the other child's PostStop shows it has.
        ExpectMsg("postStop other");
        // Only now does the blocked child fail: its Failed reaches a parent that is already stopping.
        gate.Set();

        ExpectMsgAllOf(new Terminated(failing, true, false), new Terminated(parent, true, false));
        Assert.Equal(1, generations.Count);
        lifecycle.ExpectNoMsg(NoMessage);
    }

    private IActorRef SupervisorWith(SupervisorStrategy strategy) =>
        Sys.ActorOf(Props.Create(() => new Supervisor(strategy, null, "")));

    /// <summary>Has <paramref name="supervisor"/> create a child and returns it.</summary>
    private IActorRef ChildOf(IActorRef supervisor, Props props)
    {
        supervisor.Tell(props, TestActor);
        return ExpectMsg<IActorRef>();
    }

    private static Props Stateful(TestProbe lifecycle, string name)
    {
        var generations = new Generations();
        var reporter = lifecycle.Ref;
        return Props.Create(() => new StatefulChild(reporter, name, generations));
    }

    private void IncrementTwiceAndConfirm(IActorRef child)
    {
        child.Tell("inc", TestActor);
        child.Tell("inc", TestActor);
        child.Tell("get", TestActor);
        ExpectMsg(2);
    }

    private void Fail(IActorRef child, string message) =>
        EventFilter.Exception<InvalidOperationException>(contains: message)
            .ExpectOne(() => child.Tell(new InvalidOperationException(message), TestActor));

    private sealed class Generations
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public int Next() => Interlocked.Increment(ref _count);
    }

    private sealed record Children(IActorRef Failing, IActorRef Other);

    /// <summary>Creates a child from each Props it is sent and answers with its ref; supervises with the given strategy.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly Actors.SupervisorStrategy _strategy;

        public Supervisor(Actors.SupervisorStrategy strategy, IActorRef? reporter, string name)
        {
            _strategy = strategy;
            reporter?.Tell($"{name} started", Self);
            Receive<Props>(props => Sender.Tell(Context.ActorOf(props), Self));
            Receive<string>(s => s == "children?", _ => Sender.Tell(Context.GetChildren().Count(), Self));
        }

        protected override Actors.SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    /// <summary>Counts "inc"s, answers "get", throws any exception it is sent; reports each construction.</summary>
    private sealed class StatefulChild : ReceiveActor
    {
        private int _state;

        public StatefulChild(IActorRef reporter, string name, Generations generations)
        {
            reporter.Tell($"{name} started {generations.Next()}", Self);
            Receive<string>(s => s == "inc", _ => _state++);
            Receive<string>(s => s == "get", _ => Sender.Tell(_state, Self));
            Receive<Exception>(e => throw e);
        }
    }

    /// <summary>Has a child that blocks on a gate and then fails, and a child that reports its PostStop.</summary>
    private sealed class ParentWithGatedChild : ReceiveActor
    {
        public ParentWithGatedChild(IActorRef testActor, IActorRef lifecycle, Generations generations, ManualResetEventSlim gate)
        {
            var failing = Context.ActorOf(Props.Create(() => new GatedFailingChild(lifecycle, generations, gate)), "failing");
            var other = Context.ActorOf(Props.Create(() => new PostStopReporter(testActor, "other")), "other");
            testActor.Tell(new Children(failing, other), Self);
        }
    }

    private sealed class GatedFailingChild : ReceiveActor
    {
        public GatedFailingChild(IActorRef lifecycle, Generations generations, ManualResetEventSlim gate)
        {
            lifecycle.Tell($"failing started {generations.Next()}", Self);
            Receive<string>(s => s == "fail when released", _ =>
            {
                lifecycle.Tell("failing blocked", Self);
                gate.Wait(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException("failed while the parent stops");
            });
        }
    }

    private sealed class PostStopReporter(IActorRef testActor, string name) : ActorBase
    {
        protected override bool Receive(object message) => false;

        protected override void PostStop() => testActor.Tell($"postStop {name}", Self);
    }
}
