using UsbMesh.Actors.Event;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// Death watch, after Akka.NET's DeathWatchSpec: Terminated on stop, for an actor already dead, for nobody; unwatch;
/// the death pact of an unhandled Terminated; watching from inside an actor and from the TestKit; many watchers.
/// </summary>
public sealed class DeathWatchSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan NoMessage = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void A_watcher_receives_Terminated_when_the_watched_actor_stops()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        Watch(subject);

        Sys.Stop(subject);

        var terminated = ExpectTerminated(subject);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
        // The dead actor is the sender of its Terminated.
        Assert.Equal(subject, LastSender);
    }

    [Fact]
    public void Watching_an_actor_that_is_already_dead_yields_Terminated_at_once()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var firstWatcher = CreateTestProbe();
        firstWatcher.Watch(subject);
        Sys.Stop(subject);
        firstWatcher.ExpectTerminated(subject);

        Watch(subject);

        Assert.True(ExpectTerminated(subject).ExistenceConfirmed);
    }

    [Fact]
    public void An_actor_watching_an_actor_that_is_already_dead_receives_Terminated()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        Watch(subject);
        Sys.Stop(subject);
        ExpectTerminated(subject);

        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject), TestActor);

        ExpectMsg("watching");
        ExpectMsg(new WatcherSaw(subject, ExistenceConfirmed: true));
    }

    [Fact]
    public void Watching_nobody_yields_Terminated_without_confirmed_existence()
    {
        Watch(ActorRefs.Nobody);

        var terminated = ExpectTerminated(ActorRefs.Nobody);
        Assert.False(terminated.ExistenceConfirmed);
    }

    [Fact]
    public void An_actor_watches_another_with_Context_Watch_and_handles_its_Terminated()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject), TestActor);
        ExpectMsg("watching");

        subject.Tell(PoisonPill.Instance, TestActor);

        ExpectMsg(new WatcherSaw(subject, ExistenceConfirmed: true));
        ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void After_Unwatch_no_Terminated_arrives()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var otherWatcher = CreateTestProbe();
        otherWatcher.Watch(subject);
        Watch(subject);

        Unwatch(subject);
        Sys.Stop(subject);

        // The other watcher proves the subject died; the test actor, no longer watching, hears nothing.
        otherWatcher.ExpectTerminated(subject);
        ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Unwatch_drops_a_Terminated_that_is_already_queued()
    {
        using var gate = new ManualResetEventSlim();
        // The watcher is the subject's parent, so it is told of the death before any other watcher.
        var watcher = Sys.ActorOf(Props.Create(() => new ParentUnwatchingChild(TestActor, gate)));
        var child = ExpectMsg<IActorRef>();
        var otherWatcher = CreateTestProbe();
        otherWatcher.Watch(child);

        watcher.Tell("block", TestActor);
        ExpectMsg("blocked");
        watcher.Tell("unwatch", TestActor);
        child.Tell(PoisonPill.Instance, TestActor);
        otherWatcher.ExpectTerminated(child);
        // The watcher has been notified by now; it queues the Terminated behind "unwatch", which must drop it.
        gate.Set();

        ExpectMsg("unwatched");
        // The watcher does not handle Terminated: had it received one, a death pact would have stopped it.
        watcher.Tell("ping", TestActor);
        ExpectMsg("pong");
    }

    [Fact]
    public void An_unhandled_Terminated_is_a_death_pact_that_stops_the_watcher()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor, handleTerminated: false)));
        watcher.Tell(new WatchIt(subject), TestActor);
        ExpectMsg("watching");
        Watch(watcher);

        EventFilter.Exception<DeathPactException>().ExpectOne(() => Sys.Stop(subject));

        // The watcher's own watchers see it go.
        ExpectTerminated(watcher);
    }

    [Fact]
    public void The_DeathPactException_names_the_actor_that_died()
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor, handleTerminated: false)));
        watcher.Tell(new WatchIt(subject), TestActor);
        ExpectMsg("watching");

        Sys.Stop(subject);

        var error = errors.ExpectMsg<Error>();
        Assert.Equal(subject, Assert.IsType<DeathPactException>(error.Cause).DeadActor);
        Assert.Equal(watcher.Path.ToString(), error.LogSource);
    }

    [Fact]
    public void Watching_twice_yields_a_single_Terminated()
    {
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        Watch(subject);
        Watch(subject);

        Sys.Stop(subject);

        ExpectTerminated(subject);
        ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_parent_watching_its_child_receives_exactly_one_Terminated()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ParentWatchingChild(TestActor)));
        var child = ExpectMsg<IActorRef>();

        child.Tell(PoisonPill.Instance, TestActor);

        ExpectMsg(new WatcherSaw(child, ExistenceConfirmed: true));
        ExpectNoMsg(NoMessage);
        parent.Tell("children?", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void A_watcher_that_stops_stops_watching_without_failing_anything()
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject), TestActor);
        ExpectMsg("watching");
        Watch(watcher);
        Sys.Stop(watcher);
        ExpectTerminated(watcher);

        Watch(subject);
        Sys.Stop(subject);

        // The subject dies normally; the dead watcher gets nothing, not even as a dead letter; nothing fails.
        ExpectTerminated(subject);
        ExpectNoMsg(NoMessage);
        deadLetters.ExpectNoMsg(NoMessage);
        errors.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Every_watcher_of_an_actor_is_told_of_its_death()
    {
        const int watcherCount = 20;
        var subject = Sys.ActorOf(Props.Create(() => new Idle()));
        var watchers = Enumerable.Range(0, watcherCount)
            .Select(i => Sys.ActorOf(Props.Create(() => new Watcher(TestActor, true)), $"watcher-{i}"))
            .ToList();
        foreach (var watcher in watchers)
        {
            watcher.Tell(new WatchIt(subject), TestActor);
            ExpectMsg("watching");
        }

        var probes = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToList();
        probes.ForEach(p => p.Watch(subject));

        Sys.Stop(subject);

        ExpectMsgAllOf(Enumerable.Repeat(new WatcherSaw(subject, ExistenceConfirmed: true), watcherCount).ToArray());
        probes.ForEach(p => p.ExpectTerminated(subject));
        ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void A_restart_is_not_a_death_so_watchers_receive_no_Terminated()
    {
        var subject = Sys.ActorOf(Props.Create(() => new FailOnDemand()));
        Watch(subject);

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => subject.Tell("fail", TestActor));

        // A restart is not a death: the watch holds, and the restarted actor still answers.
        subject.Tell("ping", TestActor);
        ExpectMsg("pong");
        Sys.Stop(subject);
        ExpectTerminated(subject);
    }

    private sealed record WatchIt(IActorRef Subject);

    private sealed record WatcherSaw(IActorRef Subject, bool ExistenceConfirmed);

    private sealed class Idle : ActorBase
    {
        protected override bool Receive(object message) => false;
    }

    private sealed class FailOnDemand : ReceiveActor
    {
        public FailOnDemand()
        {
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong", Self));
        }
    }

    /// <summary>Watches what it is told to; reports Terminated (checking its sender) unless told not to handle it.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef testActor, bool handleTerminated = true)
        {
            Receive<WatchIt>(w =>
            {
                Context.Watch(w.Subject);
                Sender.Tell("watching", Self);
            });
            if (handleTerminated)
            {
                Receive<Terminated>(t => testActor.Tell(
                    Sender.Equals(t.ActorRef) ? new WatcherSaw(t.ActorRef, t.ExistenceConfirmed) : $"Terminated from {Sender}",
                    Self));
            }
        }
    }

    /// <summary>Watches its child, then on request blocks on a gate and unwatches it; does not handle Terminated.</summary>
    private sealed class ParentUnwatchingChild : ReceiveActor
    {
        public ParentUnwatchingChild(IActorRef testActor, ManualResetEventSlim gate)
        {
            var child = Context.Watch(Context.ActorOf(Props.Create(() => new Idle()), "child"));
            testActor.Tell(child, Self);
            Receive<string>(s => s == "block", _ =>
            {
                Sender.Tell("blocked", Self);
                gate.Wait(TimeSpan.FromSeconds(10));
            });
            Receive<string>(s => s == "unwatch", _ =>
            {
                Context.Unwatch(child);
                Sender.Tell("unwatched", Self);
            });
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong", Self));
        }
    }

    /// <summary>Creates and watches a child; reports the child's Terminated.</summary>
    private sealed class ParentWatchingChild : ReceiveActor
    {
        public ParentWatchingChild(IActorRef testActor)
        {
            var child = Context.Watch(Context.ActorOf(Props.Create(() => new Idle()), "child"));
            testActor.Tell(child, Self);
            Receive<Terminated>(t => testActor.Tell(new WatcherSaw(t.ActorRef, t.ExistenceConfirmed), Self));
            Receive<string>(s => s == "children?", _ => Sender.Tell(Context.GetChildren().Count(), Self));
        }
    }
}
