using System.Diagnostics;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class TimersSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Tick(string Name);

    private sealed record StartSingle(string Key, Tick Message, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, Tick Message, TimeSpan Interval);

    /// <summary>Starts <see cref="First"/>, then <see cref="Second"/> with the same key, in one handler.</summary>
    private sealed record StartTwice(string Key, StartSingle First, StartSingle Second);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed record ActiveTimers;

    /// <summary>Starts a 1 ms timer and waits (inside the handler) until its message is queued, then does <see cref="Then"/>.</summary>
    private sealed record FireThen(string Key, Tick Message, string Then);

    private sealed record Boom;

    /// <summary>Forwards every timer payload to the probe; answers questions about its timers.</summary>
    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        private readonly IActorRef _probe;

        public TimerActor(IActorRef probe)
        {
            _probe = probe;
            Receive<Tick>(t => probe.Tell(t));
            Receive<StartSingle>(s => Timers.StartSingleTimer(s.Key, s.Message, s.Delay));
            Receive<StartPeriodic>(s => Timers.StartPeriodicTimer(s.Key, s.Message, s.Interval));
            Receive<StartTwice>(s =>
            {
                Timers.StartSingleTimer(s.Key, s.First.Message, s.First.Delay);
                Timers.StartSingleTimer(s.Key, s.Second.Message, s.Second.Delay);
            });
            Receive<CancelTimer>(c => Timers.Cancel(c.Key));
            Receive<IsActive>(q => Sender.Tell(Timers.IsTimerActive(q.Key)));
            Receive<ActiveTimers>(_ => Sender.Tell(Timers.ActiveTimers.Cast<string>().Order().ToArray()));
            Receive<FireThen>(OnFireThen);
            Receive<Boom>(_ => throw new InvalidOperationException("boom"));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell("restarted");
            base.PostRestart(reason);
        }

        private void OnFireThen(FireThen command)
        {
            Timers.StartSingleTimer(command.Key, command.Message, TimeSpan.FromMilliseconds(1));
            // Nothing else is sent to this actor meanwhile, so the first queued message is the timer's.
            var mailbox = ((ActorCell)Context).Mailbox;
            var waited = Stopwatch.StartNew();
            while (!mailbox.HasUserMessages)
            {
                if (waited.Elapsed > TestKitSettings.Dilated(TimeSpan.FromSeconds(10)))
                {
                    _probe.Tell("the timer message was never queued");
                    return;
                }

                Thread.Sleep(1);
            }

            switch (command.Then)
            {
                case "cancel":
                    Timers.Cancel(command.Key);
                    _probe.Tell("cancelled while queued");
                    break;
                case "replace":
                    Timers.StartSingleTimer(command.Key, new Tick("replacement"), TimeSpan.FromMilliseconds(50));
                    _probe.Tell("replaced while queued");
                    break;
                case "fail":
                    _probe.Tell("failing while queued");
                    throw new InvalidOperationException("boom while a timer message is queued");
            }
        }
    }

    private IActorRef CreateTimerActor(string name = "timers") => Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)), name);

    private bool AskIsActive(IActorRef actor, string key)
    {
        actor.Tell(new IsActive(key), TestActor);
        return FishForMessage<bool>(_ => true);
    }

    [Fact]
    public void StartSingleTimer_fires_once()
    {
        var actor = CreateTimerActor();
        var stopwatch = Stopwatch.StartNew();
        actor.Tell(new StartSingle("once", new Tick("once"), TimeSpan.FromMilliseconds(150)));

        ExpectMsg(new Tick("once"), TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(135), $"fired after {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        ExpectNoMsg(TimeSpan.FromMilliseconds(600));
        Assert.False(AskIsActive(actor, "once"));
    }

    [Fact]
    public void StartPeriodicTimer_repeats_until_cancelled()
    {
        var actor = CreateTimerActor();
        actor.Tell(new StartPeriodic("every", new Tick("every"), TimeSpan.FromMilliseconds(50)));

        Assert.All(ReceiveN(4, TimeSpan.FromSeconds(10)), m => Assert.Equal(new Tick("every"), m));
        Assert.True(AskIsActive(actor, "every"));

        actor.Tell(new CancelTimer("every"));
        // Skips ticks forwarded before the cancel; once the actor has handled it, no tick is ever forwarded again.
        Assert.False(AskIsActive(actor, "every"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Starting_a_timer_with_the_same_key_replaces_the_old_one()
    {
        var actor = CreateTimerActor();

        actor.Tell(new StartTwice("key",
            new StartSingle("key", new Tick("old"), TimeSpan.FromMilliseconds(100)),
            new StartSingle("key", new Tick("new"), TimeSpan.FromMilliseconds(400))));

        ExpectMsg(new Tick("new"), TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Replacing_a_timer_whose_message_is_already_queued_drops_that_message()
    {
        var actor = CreateTimerActor();

        actor.Tell(new FireThen("key", new Tick("old"), "replace"));

        ExpectMsg("replaced while queued");
        ExpectMsg(new Tick("replacement"), TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
        Assert.False(AskIsActive(actor, "key"));
    }

    [Fact]
    public void Cancel_before_the_timer_fires_prevents_delivery()
    {
        var actor = CreateTimerActor();
        actor.Tell(new StartSingle("key", new Tick("cancelled"), TimeSpan.FromMilliseconds(300)));
        Assert.True(AskIsActive(actor, "key"));

        actor.Tell(new CancelTimer("key"));

        Assert.False(AskIsActive(actor, "key"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    [Fact]
    public void Cancel_prevents_delivery_even_when_the_timer_message_is_already_queued()
    {
        var actor = CreateTimerActor();

        actor.Tell(new FireThen("key", new Tick("cancelled"), "cancel"));

        ExpectMsg("cancelled while queued");
        Assert.False(AskIsActive(actor, "key"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void IsTimerActive_and_ActiveTimers_track_running_timers()
    {
        var actor = CreateTimerActor();
        Assert.False(AskIsActive(actor, "a"));

        actor.Tell(new StartSingle("a", new Tick("a"), TimeSpan.FromSeconds(30)));
        actor.Tell(new StartPeriodic("b", new Tick("b"), TimeSpan.FromSeconds(30)));
        actor.Tell(new ActiveTimers(), TestActor);
        Assert.Equal(["a", "b"], ExpectMsg<string[]>());
        Assert.True(AskIsActive(actor, "a"));

        actor.Tell(new CancelTimer("a"));
        actor.Tell(new ActiveTimers(), TestActor);
        Assert.Equal(["b"], ExpectMsg<string[]>());

        // A periodic timer stays active after it fired; a single timer does not.
        actor.Tell(new StartPeriodic("c", new Tick("c"), TimeSpan.FromMilliseconds(30)));
        actor.Tell(new StartSingle("d", new Tick("d"), TimeSpan.FromMilliseconds(30)));
        FishForMessage<Tick>(t => t.Name == "d", TimeSpan.FromSeconds(5));
        FishForMessage<Tick>(t => t.Name == "c", TimeSpan.FromSeconds(5));
        Assert.True(AskIsActive(actor, "c"));
        Assert.False(AskIsActive(actor, "d"));
        actor.Tell(new CancelTimer("c"));
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts()
    {
        var actor = CreateTimerActor();
        actor.Tell(new StartSingle("single", new Tick("single"), TimeSpan.FromMilliseconds(500)));
        actor.Tell(new StartPeriodic("periodic", new Tick("periodic"), TimeSpan.FromMilliseconds(50)));
        FishForMessage<Tick>(t => t.Name == "periodic", TimeSpan.FromSeconds(5));

        actor.Tell(new Boom());

        // Ticks forwarded before the failure may still be queued; after "restarted" the old timers must be silent.
        FishForMessage(m => m is "restarted", TimeSpan.FromSeconds(5));
        Assert.False(AskIsActive(actor, "single"));
        Assert.False(AskIsActive(actor, "periodic"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void Timer_message_queued_before_a_restart_is_not_delivered_to_the_new_incarnation()
    {
        var actor = CreateTimerActor();

        actor.Tell(new FireThen("key", new Tick("stale"), "fail"));

        ExpectMsg("failing while queued");
        ExpectMsg("restarted");
        Assert.False(AskIsActive(actor, "key"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops()
    {
        var deadLetters = CreateTestProbe("dead-letters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = CreateTimerActor();
        actor.Tell(new StartPeriodic("periodic", new Tick("periodic"), TimeSpan.FromMilliseconds(100)));
        actor.Tell(new StartSingle("single", new Tick("single"), TimeSpan.FromSeconds(1)));
        FishForMessage<Tick>(t => t.Name == "periodic", TimeSpan.FromSeconds(5));

        Watch(actor);
        Sys.Stop(actor);
        FishForMessage(m => m is Terminated t && t.ActorRef.Equals(actor), TimeSpan.FromSeconds(5));

        // A live timer would keep sending to the dead actor, and each of those would be a dead letter. One tick that
        // was queued when the actor stopped may legitimately end up there.
        var toTheStoppedActor = 0;
        var window = Stopwatch.StartNew();
        while (window.Elapsed < Dilated(TimeSpan.FromMilliseconds(1500)))
        {
            if (deadLetters.ReceiveOne(TimeSpan.FromMilliseconds(100)) is DeadLetter d && d.Recipient.Equals(actor))
            {
                toTheStoppedActor++;
            }
        }

        Assert.True(toTheStoppedActor <= 1, $"{toTheStoppedActor} timer messages reached the stopped actor");
        Sys.EventStream.Unsubscribe(deadLetters.Ref);
    }
}
