using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Actors;

/// <summary>
/// The running system. The root guardian supervises <c>/user</c> and <c>/system</c>; termination stops <c>/user</c>
/// first, then <c>/system</c> (so the loggers see everything), then the root, and finally releases the scheduler.
/// </summary>
internal sealed partial class ActorSystemImpl : ActorSystem
{
    private readonly ThreadingTimerScheduler _scheduler = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LocalActorRef _root;
    private readonly LocalActorRef _userGuardian;
    private readonly LocalActorRef _systemGuardian;
    private long _tempNumber;

    internal ActorSystemImpl(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        EventStream.SetLogLevel(settings.LogLevel);
        StartTime = DateTimeOffset.UtcNow;
        Address = new Address("usbmesh", name);
        RootPath = ActorPath.Root(Address);
        Dispatchers = new Dispatchers(settings.Dispatchers);
        DeadLettersRef = new DeadLetterActorRef(RootPath / "deadLetters", this);
        Log = Logging.GetLogger(this, $"ActorSystem({name})", typeof(ActorSystem));

        _root = NewLocalActor(Props.Create(() => new RootGuardian()).WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy),
            new RootParentRef(RootPath, this), name: null);
        _userGuardian = (LocalActorRef)_root.Cell.ActorOf(
            Props.Create(() => new GuardianActor()).WithSupervisorStrategy(settings.GuardianSupervisorStrategy), "user");
        _systemGuardian = (LocalActorRef)_root.Cell.ActorOf(Props.Create(() => new GuardianActor()), "system");
        _root.Cell.Start();
        CoordinatedShutdown = new CoordinatedShutdown(this);
        StartLoggers();
    }

    public override string Name { get; }

    public override ActorSystemSettings Settings { get; }

    public override EventStream EventStream { get; } = new();

    public override IActorRef DeadLetters => DeadLettersRef;

    internal DeadLetterActorRef DeadLettersRef { get; }

    public override IScheduler Scheduler => _scheduler;

    public override Dispatchers Dispatchers { get; }

    public override ILoggingAdapter Log { get; }

    public override CoordinatedShutdown CoordinatedShutdown { get; }

    public override DateTimeOffset StartTime { get; }

    public override Task WhenTerminated => _terminated.Task;

    internal Address Address { get; }

    internal ActorPath RootPath { get; }

    public override IActorRef ActorOf(Props props, string? name = null) => _userGuardian.Cell.ActorOf(props, name);

    public override void Stop(IActorRef actor)
    {
        if (actor is InternalActorRef target)
        {
            // Through the parent, so that it knows the child is stopping and does not restart it meanwhile.
            if (target.Parent is LocalActorRef parent)
            {
                parent.Cell.Stop(target);
            }
            else
            {
                target.Stop();
            }
        }
    }

    public override Task Terminate()
    {
        CoordinatedShutdown.Run(CoordinatedShutdown.ActorSystemTerminateReason);
        return WhenTerminated;
    }

    /// <summary>The last shutdown phase: stop the actor tree.</summary>
    internal void StopActorTree() => _userGuardian.Stop();

    internal LocalActorRef NewLocalActor(Props props, InternalActorRef parent, string? name)
    {
        var dispatcher = Dispatchers.Lookup(props.Dispatcher);
        var uid = Random.Shared.Next(1, int.MaxValue);
        var path = name is null ? RootPath.WithUid(uid) : parent.Path.Child(name, uid);
        var actorRef = new LocalActorRef(path, parent);
        _ = new ActorCell(this, actorRef, props, dispatcher);
        return actorRef;
    }

    internal ActorPath NewTempPath() => RootPath / "temp" / ("$" + Interlocked.Increment(ref _tempNumber));

    /// <summary>Publishes an undeliverable message. Undeliverable events themselves are dropped, or a dead subscriber
    /// would feed dead letters back to itself for ever.</summary>
    internal void PublishDeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        if (message is DeadLetter or UnhandledMessage or LogEvent)
        {
            return;
        }

        EventStream.Publish(new DeadLetter(message, sender ?? DeadLetters, recipient));
    }

    private void StartLoggers()
    {
        var serilog = _systemGuardian.Cell.ActorOf(Props.Create(() => new SerilogLogger(Settings.Logger ?? Serilog.Log.Logger)), "log-serilog");
        EventStream.Subscribe(serilog, typeof(LogEvent));
        if (Settings.LogDeadLetters > 0)
        {
            var deadLetters = _systemGuardian.Cell.ActorOf(Props.Create(() => new DeadLetterListener(Settings.LogDeadLetters)), "deadLetterListener");
            EventStream.Subscribe(deadLetters, typeof(DeadLetter));
            EventStream.Subscribe(deadLetters, typeof(UnhandledMessage));
        }
    }

    private void OnRootTerminated()
    {
        _scheduler.Dispose();
        Dispatchers.Shutdown();
        _terminated.TrySetResult();
    }

    /// <summary>
    /// Supervises /user and /system and stops them in order. The system actors (the loggers) get a
    /// <see cref="PoisonPill"/> rather than a stop, so that they first process every event queued before it.
    /// </summary>
    private sealed class RootGuardian : ReceiveActor
    {
        public RootGuardian()
        {
            var user = Context.Watch(Context.Child("user"));
            var system = (LocalActorRef)Context.Watch(Context.Child("system"));
            var draining = new HashSet<IActorRef>();
            Receive<Terminated>(t => t.ActorRef.Equals(user), _ =>
            {
                foreach (var systemActor in system.Cell.GetChildren())
                {
                    draining.Add(Context.Watch(systemActor));
                    systemActor.Tell(PoisonPill.Instance, Self);
                }

                if (draining.Count == 0)
                {
                    Context.Stop(system);
                }
            });
            Receive<Terminated>(t => t.ActorRef.Equals(system), _ => Context.Stop(Self));
            Receive<Terminated>(t =>
            {
                if (draining.Remove(t.ActorRef) && draining.Count == 0)
                {
                    Context.Stop(system);
                }
            });
        }
    }

    /// <summary>The parent of /user and /system; it only supervises.</summary>
    private sealed class GuardianActor : ActorBase
    {
        protected override bool Receive(object message) => false;
    }

    /// <summary>Stands above the root: the root's death ends the system, and a root failure stops it.</summary>
    private sealed class RootParentRef(ActorPath rootPath, ActorSystemImpl system) : InternalActorRef
    {
        private readonly ActorPath _path = rootPath / "bubble-walker";

        public override ActorPath Path => _path;

        internal override InternalActorRef Parent => this;

        internal override bool IsTerminated => system.WhenTerminated.IsCompleted;

        protected override void TellInternal(object message, IActorRef? sender) =>
            system.PublishDeadLetter(message, sender, this);

        internal override void SendSystemMessage(SystemMessage message)
        {
            switch (message)
            {
                case Failed failed:
                    system.Log.Error(failed.Cause, "The root guardian failed; stopping the actor system");
                    failed.Child.Stop();
                    break;
                case DeathWatchNotification:
                    system.OnRootTerminated();
                    break;
            }
        }
    }
}
