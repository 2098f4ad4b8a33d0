using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// The lifecycle hooks and their order, after Akka.NET's ActorLifeCycleSpec: start, stop, restart (old instance's
/// PreRestart, then a new instance's constructor and PostRestart), the default hooks, and what the mailbox and the
/// children go through meanwhile.
/// </summary>
public sealed class ActorLifecycleSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    [Fact]
    public void PreStart_runs_before_the_first_message()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleReporter(TestActor, generations, callBaseHooks: true)));

        // Sent at once: the message is queued before the actor even exists, yet PreStart still runs first.
        actor.Tell("hello", TestActor);

        ExpectMsg("ctor 1");
        ExpectMsg("preStart 1");
        ExpectMsg("hello from 1");
    }

    [Fact]
    public void PostStop_runs_once_the_actor_is_stopped_and_before_its_watchers_learn_of_it()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleReporter(TestActor, generations, callBaseHooks: true)));
        ExpectMsg("ctor 1");
        ExpectMsg("preStart 1");
        Watch(actor);

        Sys.Stop(actor);

        ExpectMsg("postStop 1");
        ExpectTerminated(actor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Restart_calls_PreRestart_on_the_old_instance_then_the_constructor_and_PostRestart_on_a_new_one()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleReporter(TestActor, generations, callBaseHooks: true)));
        ExpectMsg("ctor 1");
        ExpectMsg("preStart 1");

        EventFilter.Exception<InvalidOperationException>(contains: "fail").ExpectOne(() => actor.Tell("fail", TestActor));

        // The failing instance learns why and on which message; the default PreRestart then calls its PostStop.
        ExpectMsg("preRestart 1 reason=fail message=fail");
        ExpectMsg("postStop 1");
        // A new instance is built from the Props; the default PostRestart calls its PreStart.
        ExpectMsg("ctor 2");
        ExpectMsg("postRestart 2 reason=fail");
        ExpectMsg("preStart 2");

        actor.Tell("hello", TestActor);
        ExpectMsg("hello from 2");
        Assert.Equal(2, generations.Count);
    }

    [Fact]
    public void PostRestart_that_does_not_call_the_base_does_not_run_PreStart_again()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleReporter(TestActor, generations, callBaseHooks: false)));
        ExpectMsg("ctor 1");
        ExpectMsg("preStart 1");

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell("fail", TestActor));

        ExpectMsg("preRestart 1 reason=fail message=fail");
        ExpectMsg("ctor 2");
        ExpectMsg("postRestart 2 reason=fail");
        actor.Tell("hello", TestActor);
        // Neither "postStop 1" (skipped by the overridden PreRestart) nor "preStart 2" (by the overridden PostRestart).
        ExpectMsg("hello from 2");
    }

    [Fact]
    public void Restart_keeps_the_mailbox_so_messages_queued_behind_the_failing_one_reach_the_new_instance()
    {
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleReporter(TestActor, generations, callBaseHooks: true)));
        ExpectMsg("ctor 1");
        ExpectMsg("preStart 1");

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() =>
        {
            actor.Tell("first", TestActor);
            actor.Tell("fail", TestActor);
            actor.Tell("second", TestActor);
            actor.Tell("third", TestActor);
        });

        ExpectMsg("first from 1");
        ExpectMsg("preRestart 1 reason=fail message=fail");
        ExpectMsg("postStop 1");
        ExpectMsg("ctor 2");
        ExpectMsg("postRestart 2 reason=fail");
        ExpectMsg("preStart 2");
        // Nothing queued was lost, and nothing reached the failed instance after its failure.
        ExpectMsg("second from 2");
        ExpectMsg("third from 2");
    }

    [Fact]
    public void Default_PreRestart_stops_the_children_and_the_new_instance_creates_its_own()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ParentWithChild(TestActor)), "parent");
        var firstChild = ExpectMsg<ChildCreated>().Child;
        var watcher = CreateTestProbe();
        watcher.Watch(firstChild);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => parent.Tell("fail", TestActor));

        watcher.ExpectTerminated(firstChild);
        var secondChild = ExpectMsg<ChildCreated>().Child;
        Assert.NotEqual(firstChild, secondChild);
        Assert.Equal(firstChild.Path.Name, secondChild.Path.Name);

        // The new child is alive and is the one the parent now knows by that name.
        secondChild.Tell("ping", TestActor);
        ExpectMsg("pong");
        parent.Tell("which-child", TestActor);
        Assert.Equal(secondChild, ExpectMsg<IActorRef>());
    }

    [Fact]
    public void Children_a_PreRestart_override_keeps_survive_the_restart_and_are_restarted_themselves()
    {
        var childGenerations = new Generations();
        var childLifecycle = CreateTestProbe();
        var reporter = childLifecycle.Ref;
        var parent = Sys.ActorOf(Props.Create(() => new ParentKeepingChildren(TestActor, reporter, childGenerations)));
        var child = ExpectMsg<ChildCreated>().Child;
        childLifecycle.ExpectMsg("child ctor 1");
        var watcher = CreateTestProbe();
        watcher.Watch(child);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => parent.Tell("fail", TestActor));

        // Akka restarts the survivors with the parent's cause: same ref, new instance.
        childLifecycle.ExpectMsg("child ctor 2");
        child.Tell("ping", TestActor);
        ExpectMsg("pong");
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Children_are_stopped_before_the_parent_PostStop_runs()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ParentReportingStop(TestActor)));
        ExpectMsg("children started");
        Watch(parent);

        Sys.Stop(parent);

        // Each child's PostStop reports before the parent's PostStop, which finds no child left.
        ExpectMsgAllOf("child postStop a", "child postStop b");
        ExpectMsg("parent postStop, children left: 0");
        ExpectTerminated(parent);
    }

    [Fact]
    public void Stopping_an_actor_stops_its_whole_subtree_bottom_up()
    {
        var parent = Sys.ActorOf(Props.Create(() => new StopReportingChild(TestActor, "parent")));
        parent.Tell("spawn child", TestActor);
        var child = ExpectMsg<IActorRef>();
        child.Tell("spawn grandchild", TestActor);
        ExpectMsg<IActorRef>();
        Watch(parent);

        parent.Tell(PoisonPill.Instance, TestActor);

        // Each PostStop reports before its actor tells its parent it died, so the order is fixed: leaves first.
        ExpectMsg("child postStop grandchild");
        ExpectMsg("child postStop child");
        ExpectMsg("child postStop parent");
        ExpectTerminated(parent);
    }

    /// <summary>Counts instances, shared by every incarnation of one actor.</summary>
    private sealed class Generations
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public int Next() => Interlocked.Increment(ref _count);
    }

    private sealed record ChildCreated(IActorRef Child);

    /// <summary>Reports each hook to the test with its generation. "fail" throws.</summary>
    private sealed class LifecycleReporter : UntypedActor
    {
        private readonly IActorRef _testActor;
        private readonly bool _callBaseHooks;
        private readonly int _generation;

        public LifecycleReporter(IActorRef testActor, Generations generations, bool callBaseHooks)
        {
            _testActor = testActor;
            _callBaseHooks = callBaseHooks;
            _generation = generations.Next();
            Report("ctor");
        }

        protected override void OnReceive(object message)
        {
            if (message is "fail")
            {
                throw new InvalidOperationException("fail");
            }

            Sender.Tell($"{message} from {_generation}", Self);
        }

        protected override void PreStart() => Report("preStart");

        protected override void PostStop() => Report("postStop");

        protected override void PreRestart(Exception reason, object? message)
        {
            Report("preRestart", $"reason={reason.Message} message={message}");
            if (_callBaseHooks)
            {
                base.PreRestart(reason, message);
            }
        }

        protected override void PostRestart(Exception reason)
        {
            Report("postRestart", $"reason={reason.Message}");
            if (_callBaseHooks)
            {
                base.PostRestart(reason);
            }
        }

        private void Report(string hook, string? detail = null) =>
            _testActor.Tell(detail is null ? $"{hook} {_generation}" : $"{hook} {_generation} {detail}", Self);
    }

    /// <summary>Creates one child named "child" in its constructor; "fail" throws.</summary>
    private sealed class ParentWithChild : ReceiveActor
    {
        public ParentWithChild(IActorRef testActor)
        {
            var child = Context.ActorOf(Props.Create(() => new Child()), "child");
            testActor.Tell(new ChildCreated(child), Self);
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("parent failed"));
            Receive<string>(s => s == "which-child", _ => Sender.Tell(Context.Child("child"), Self));
        }
    }

    /// <summary>Creates its child in PreStart and keeps it across restarts (Akka's documented pattern).</summary>
    private sealed class ParentKeepingChildren : ReceiveActor
    {
        private readonly IActorRef _testActor;
        private readonly IActorRef _childReporter;
        private readonly Generations _childGenerations;

        public ParentKeepingChildren(IActorRef testActor, IActorRef childReporter, Generations childGenerations)
        {
            _testActor = testActor;
            _childReporter = childReporter;
            _childGenerations = childGenerations;
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("parent failed"));
        }

        protected override void PreStart()
        {
            var child = Context.ActorOf(Props.Create(() => new CountedChild(_childReporter, _childGenerations)), "child");
            _testActor.Tell(new ChildCreated(child), Self);
        }

        protected override void PreRestart(Exception reason, object? message)
        {
            // Keep the children: do not call the base, which would stop them.
        }

        protected override void PostRestart(Exception reason)
        {
            // The child still exists: do not call the base, whose PreStart would create it again.
        }
    }

    /// <summary>Creates children "a" and "b"; each reports its PostStop, then the parent reports its own.</summary>
    private sealed class ParentReportingStop : ReceiveActor
    {
        private readonly IActorRef _testActor;

        public ParentReportingStop(IActorRef testActor)
        {
            _testActor = testActor;
            Context.ActorOf(Props.Create(() => new StopReportingChild(testActor, "a")), "a");
            Context.ActorOf(Props.Create(() => new StopReportingChild(testActor, "b")), "b");
            testActor.Tell("children started", Self);
        }

        protected override void PostStop() =>
            _testActor.Tell($"parent postStop, children left: {Context.GetChildren().Count()}", Self);
    }

    /// <summary>Answers "ping".</summary>
    private sealed class Child : ReceiveActor
    {
        public Child()
        {
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong", Self));
        }
    }

    /// <summary>Answers "ping" and reports each construction with its generation.</summary>
    private sealed class CountedChild : ReceiveActor
    {
        public CountedChild(IActorRef reporter, Generations generations)
        {
            reporter.Tell($"child ctor {generations.Next()}", Self);
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong", Self));
        }
    }

    /// <summary>Reports its PostStop under its name; "spawn {name}" creates a child of the same kind.</summary>
    private sealed class StopReportingChild(IActorRef testActor, string name) : ActorBase
    {
        protected override bool Receive(object message)
        {
            if (message is string text && text.StartsWith("spawn ", StringComparison.Ordinal))
            {
                var childName = text["spawn ".Length..];
                Sender.Tell(Context.ActorOf(Props.Create(() => new StopReportingChild(testActor, childName)), childName), Self);
                return true;
            }

            return false;
        }

        protected override void PostStop() => testActor.Tell($"child postStop {name}", Self);
    }
}
