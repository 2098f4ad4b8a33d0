using UsbMesh.Actors.Event;
using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

/// <summary>
/// Actors that cannot be built, after Akka.NET's ActorLifeCycleSpec and SupervisorSpec: failures in the constructor or
/// PreStart (ActorInitializationException, stopped by default), failures while a restart builds the new instance
/// (PostRestartException), and instances that do not come fresh from their Props.
/// </summary>
public sealed class ActorInitializationSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan NoMessage = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void An_actor_whose_constructor_throws_is_stopped_and_the_failure_logged_as_ActorInitializationException()
    {
        var generations = new Generations();

        var actor = EventFilter.Exception<ActorInitializationException>()
            .ExpectOne(() => Sys.ActorOf(Props.Create(() => new ThrowingInConstructor(generations, failFrom: 1))));

        Watch(actor);
        ExpectTerminated(actor);
        Assert.Equal(1, generations.Count);
    }

    [Fact]
    public void The_ActorInitializationException_names_the_actor_and_wraps_the_constructors_exception()
    {
        var errors = SubscribeToErrors();

        var actor = Sys.ActorOf(Props.Create(() => new ThrowingInConstructor(new Generations(), failFrom: 1)));

        var error = errors.ExpectMsg<Error>();
        var cause = Assert.IsType<ActorInitializationException>(error.Cause);
        Assert.Equal(actor, cause.Actor);
        Assert.Equal("constructor failed", Assert.IsType<InvalidOperationException>(cause.InnerException).Message);
        Assert.Equal(actor.Path.ToString(), error.LogSource);
    }

    [Fact]
    public void An_actor_whose_PreStart_throws_is_stopped_and_the_failure_logged_as_ActorInitializationException()
    {
        var errors = SubscribeToErrors();
        var generations = new Generations();

        var stops = CreateTestProbe().Ref;
        var actor = Sys.ActorOf(Props.Create(() => new ThrowingInPreStart(stops, generations, failFrom: 1)));
        Watch(actor);

        var cause = Assert.IsType<ActorInitializationException>(errors.ExpectMsg<Error>().Cause);
        Assert.Equal("PreStart failed", Assert.IsType<InvalidOperationException>(cause.InnerException).Message);
        ExpectTerminated(actor);
        Assert.Equal(1, generations.Count);
    }

    [Fact]
    public void PostStop_is_not_called_on_an_instance_whose_PreStart_failed()
    {
        // Akka clears an instance whose PreStart threw: it never started, so it is never stopped either.
        var generations = new Generations();

        var actor = EventFilter.Exception<ActorInitializationException>()
            .ExpectOne(() => Sys.ActorOf(Props.Create(() => new ThrowingInPreStart(TestActor, generations, failFrom: 1))));
        Watch(actor);

        ExpectTerminated(actor, hint: "no \"postStop\" report before it");
    }

    [Fact]
    public void Resuming_an_actor_whose_constructor_failed_creates_it_afresh()
    {
        var generations = new Generations();
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Resume))));

        // Resuming needs an instance: as in Akka, the resume turns into a new creation.
        supervisor.Tell(Props.Create(() => new ThrowingInConstructor(generations, failFrom: 1, failUntil: 1)), TestActor);
        var child = ExpectMsg<IActorRef>();

        child.Tell("ping", TestActor);
        ExpectMsg("pong from 2");
    }

    [Fact]
    public void Resuming_an_actor_whose_PreStart_failed_creates_it_afresh()
    {
        var generations = new Generations();
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Resume))));

        // Akka dropped the instance whose PreStart failed, so there is nothing to resume: a new one is created.
        var stops = CreateTestProbe().Ref;
        supervisor.Tell(Props.Create(() => new ThrowingInPreStart(stops, generations, failFrom: 1, failUntil: 1)), TestActor);
        var child = ExpectMsg<IActorRef>();

        child.Tell("ping", TestActor);
        ExpectMsg("pong from 2 (started)");
    }

    [Theory]
    [InlineData(FailurePoint.Constructor)]
    [InlineData(FailurePoint.PostRestart)]
    [InlineData(FailurePoint.PreStartCalledByPostRestart)]
    public void A_restart_that_fails_to_build_the_new_instance_stops_the_actor_with_PostRestartException(FailurePoint failurePoint)
    {
        var errors = SubscribeToErrors();
        var generations = new Generations();
        var actor = Sys.ActorOf(Props.Create(() => new ThrowingOnRestart(generations, failurePoint)));
        Watch(actor);
        actor.Tell("ping", TestActor);
        ExpectMsg("pong from 1");

        actor.Tell("fail", TestActor);

        // First the failure that causes the restart, then the failure of the restart itself.
        var original = Assert.IsType<InvalidOperationException>(errors.ExpectMsg<Error>().Cause);
        Assert.Equal("original failure", original.Message);
        var postRestart = Assert.IsType<PostRestartException>(errors.ExpectMsg<Error>().Cause);
        Assert.Same(original, postRestart.OriginalCause);
        Assert.Equal($"{failurePoint} failed", postRestart.InnerException?.Message);
        ExpectTerminated(actor);
        // Stopped, not restarted again.
        Assert.Equal(2, generations.Count);
        errors.ExpectNoMsg(NoMessage);
    }

    [Fact]
    public void Creating_an_actor_with_new_outside_of_Props_throws_ActorInitializationException()
    {
        Assert.Throws<ActorInitializationException>(() => new Echo());
        Assert.Throws<ActorInitializationException>(() => new UntypedEcho());
        Assert.Throws<ActorInitializationException>(() => new ThrowingInConstructor(new Generations(), failFrom: 1));
    }

    [Fact]
    public void Creating_an_actor_with_new_inside_another_actor_throws_ActorInitializationException()
    {
        var actor = Sys.ActorOf(Props.Create(() => new NewsUpAnActor()));

        actor.Tell("new", TestActor);

        ExpectMsg(nameof(ActorInitializationException));
        // The attempt did not disturb the actor that made it.
        actor.Tell("new", TestActor);
        ExpectMsg(nameof(ActorInitializationException));
    }

    [Fact]
    public void A_Props_factory_returning_an_instance_that_already_belongs_to_an_actor_fails_the_creation()
    {
        Echo? cached = null;
        var props = Props.Create(() => cached ??= new Echo());
        var first = Sys.ActorOf(props);
        first.Tell("ping", TestActor);
        ExpectMsg("ping");

        var second = EventFilter.Exception<ActorInitializationException>().ExpectOne(() => Sys.ActorOf(props));

        Watch(second);
        ExpectTerminated(second);
        // The actor that owns the instance is not affected.
        first.Tell("still here", TestActor);
        ExpectMsg("still here");
    }

    [Fact]
    public void A_Props_factory_returning_the_failed_instance_again_fails_the_restart()
    {
        // The factory runs again for each restart and must build a fresh instance; handing back the failed one is
        // the same mistake as sharing an instance between two actors.
        Echo? cached = null;
        var actor = Sys.ActorOf(Props.Create(() => cached ??= new Echo()));
        Watch(actor);
        actor.Tell("ping", TestActor);
        ExpectMsg("ping");

        EventFilter.Exception<ActorInitializationException>().ExpectOne(() => actor.Tell(new InvalidOperationException("restart me"), TestActor));

        ExpectTerminated(actor);
    }

    private TestProbe SubscribeToErrors()
    {
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        return errors;
    }

    public enum FailurePoint
    {
        Constructor,
        PostRestart,
        PreStartCalledByPostRestart,
    }

    private sealed class Generations
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public int Next() => Interlocked.Increment(ref _count);
    }

    /// <summary>Creates a child from each Props it is sent and answers with its ref.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly Actors.SupervisorStrategy _strategy;

        public Supervisor(Actors.SupervisorStrategy strategy)
        {
            _strategy = strategy;
            Receive<Props>(props => Sender.Tell(Context.ActorOf(props), Self));
        }

        protected override Actors.SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    /// <summary>Throws in its constructor for generations <c>failFrom</c> to <c>failUntil</c>.</summary>
    private sealed class ThrowingInConstructor : ReceiveActor
    {
        public ThrowingInConstructor(Generations generations, int failFrom, int failUntil = int.MaxValue)
        {
            var generation = generations.Next();
            if (generation >= failFrom && generation <= failUntil)
            {
                throw new InvalidOperationException("constructor failed");
            }

            Receive<string>(s => s == "ping", _ => Sender.Tell($"pong from {generation}", Self));
        }
    }

    /// <summary>Throws in PreStart for generations <c>failFrom</c> to <c>failUntil</c>; reports a PostStop.</summary>
    private sealed class ThrowingInPreStart : ReceiveActor
    {
        private readonly IActorRef _testActor;
        private readonly int _generation;
        private readonly int _failFrom;
        private readonly int _failUntil;
        private string _state = "not started";

        public ThrowingInPreStart(IActorRef testActor, Generations generations, int failFrom, int failUntil = int.MaxValue)
        {
            _testActor = testActor;
            _failFrom = failFrom;
            _failUntil = failUntil;
            _generation = generations.Next();
            Receive<string>(s => s == "ping", _ => Sender.Tell($"pong from {_generation} ({_state})", Self));
        }

        protected override void PreStart()
        {
            if (_generation >= _failFrom && _generation <= _failUntil)
            {
                throw new InvalidOperationException("PreStart failed");
            }

            _state = "started";
        }

        protected override void PostStop() => _testActor.Tell("postStop", Self);
    }

    /// <summary>Works as generation 1; "fail" restarts it, and generation 2 fails at the chosen point.</summary>
    private sealed class ThrowingOnRestart : ReceiveActor
    {
        private readonly FailurePoint _failurePoint;
        private readonly int _generation;

        public ThrowingOnRestart(Generations generations, FailurePoint failurePoint)
        {
            _failurePoint = failurePoint;
            _generation = generations.Next();
            FailAt(FailurePoint.Constructor);
            Receive<string>(s => s == "ping", _ => Sender.Tell($"pong from {_generation}", Self));
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("original failure"));
        }

        protected override void PreStart() => FailAt(FailurePoint.PreStartCalledByPostRestart);

        protected override void PostRestart(Exception reason)
        {
            FailAt(FailurePoint.PostRestart);
            base.PostRestart(reason);
        }

        private void FailAt(FailurePoint point)
        {
            if (_generation > 1 && _failurePoint == point)
            {
                throw new InvalidOperationException($"{point} failed");
            }
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<string>(s => Sender.Tell(s, Self));
            Receive<Exception>(e => throw e);
        }
    }

    private sealed class UntypedEcho : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    /// <summary>Tries to build another actor with <c>new</c> and answers with the exception's type name.</summary>
    private sealed class NewsUpAnActor : ReceiveActor
    {
        public NewsUpAnActor()
        {
            Receive<string>(s => s == "new", _ =>
            {
                try
                {
                    var created = new Echo();
                    Sender.Tell($"created {created}", Self);
                }
                catch (ActorInitializationException e)
                {
                    Sender.Tell(e.GetType().Name, Self);
                }
            });
        }
    }
}
