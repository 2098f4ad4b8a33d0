using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Actors;

/// <summary>
/// The kernel's side of one actor: its mailbox, current instance, behaviour stack, children, watchers and lifecycle.
/// Everything here runs on the thread that currently owns the mailbox, except <see cref="Post"/>,
/// <see cref="SendSystemMessage"/> and the children registry, which any thread may use.
/// Split by concern into partial files, as the lifecycle, supervision and death watch each need their own rules.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    private const int Alive = 0;
    private const int Terminating = 1;
    private const int Terminated = 2;

    [ThreadStatic]
    private static ActorCell? _currentCell;

    [ThreadStatic]
    private static ActorCell? _constructingCell;

    private readonly ActorSystemImpl _system;
    private readonly List<Receive> _behaviorStack = [];
    private Receive? _behavior;
    private ActorBase? _actor;
    private Envelope _currentEnvelope;
    private int _state;
    private int _suspendCount;

    internal ActorCell(ActorSystemImpl system, LocalActorRef self, Props props, MessageDispatcher dispatcher)
    {
        _system = system;
        SelfRef = self;
        Props = props;
        Mailbox = new Mailbox(this, dispatcher);
        self.Cell = this;
    }

    /// <summary>The cell whose mailbox the calling thread is running, if any (gives the implicit sender).</summary>
    internal static ActorCell? Current => _currentCell;

    internal LocalActorRef SelfRef { get; }

    internal Mailbox Mailbox { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Parent => SelfRef.Parent;

    public ActorSystem System => _system;

    internal ActorSystemImpl SystemImpl => _system;

    public Props Props { get; }

    public IActorRef Sender => _currentEnvelope.Sender ?? _system.DeadLetters;

    internal IActorRef? SenderOrNull => _currentEnvelope.Sender;

    internal bool IsTerminating => _state != Alive;

    internal bool IsTerminated => Volatile.Read(ref _state) == Terminated;

    /// <summary>False while suspended by supervision, awaiting an async handler, between incarnations, or stopping.</summary>
    internal bool CanProcessUserMessages => _state == Alive && _suspendCount == 0 && !_awaitingAsync && _behavior is not null;

    internal static ActorCell? EnterThread(ActorCell cell)
    {
        var previous = _currentCell;
        _currentCell = cell;
        return previous;
    }

    internal static void LeaveThread(ActorCell? previous) => _currentCell = previous;

    /// <summary>Called by <see cref="ActorBase"/>'s constructor: only a constructor run by the kernel finds a cell.</summary>
    internal static ActorCell? TakeConstructingCell()
    {
        var cell = _constructingCell;
        _constructingCell = null;
        return cell;
    }

    /// <summary>Attaches to the dispatcher and queues creation; the actor is built on its own dispatcher.</summary>
    internal void Start()
    {
        Mailbox.Dispatcher.Attach(Mailbox);
        SendSystemMessage(Create.Instance);
    }

    internal void Post(object message, IActorRef? sender)
    {
        if (!Mailbox.Post(new Envelope(message, sender)))
        {
            // The actor is dead, or died while this was enqueued: what is left is ours to hand to dead letters.
            DrainUserMessagesToDeadLetters();
        }
    }

    internal void SendSystemMessage(SystemMessage message)
    {
        if (!Mailbox.PostSystem(message))
        {
            DrainSystemMessagesAfterDeath();
        }
    }

    /// <summary>Processes one user message.</summary>
    internal void Invoke(in Envelope envelope)
    {
        _currentEnvelope = envelope;
        var message = envelope.Message;
        try
        {
            if (message is IAutoReceivedMessage)
            {
                AutoReceiveMessage(message);
            }
            else
            {
                ReceiveMessage(message);
            }

            if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout)
            {
                RescheduleReceiveTimeout();
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _currentEnvelope = default;
        }
    }

    /// <summary>Processes one system message; a failure here is the actor's failure, like one in a handler.</summary>
    internal void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create: CreateActor(); break;
                case Recreate recreate: FaultRecreate(recreate.Cause); break;
                case Suspend: FaultSuspend(); break;
                case Resume resume: FaultResume(resume.CausedByFailure); break;
                case Dispatch.Terminate: Terminate(); break;
                case Watch watch: AddWatcher(watch.Watchee, watch.Watcher); break;
                case Unwatch unwatch: RemoveWatcher(unwatch.Watchee, unwatch.Watcher); break;
                case DeathWatchNotification notification: WatchedActorTerminated(notification); break;
                case Failed failed: HandleFailed(failed); break;
                case RunContinuation continuation: RunContinuation(continuation); break;
                case AsyncHandlerCompleted completed: AsyncHandlerCompleted(completed.Task); break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
    }

    private void ReceiveMessage(object message)
    {
        if (!_behavior!(message))
        {
            _actor!.AroundUnhandled(message);
        }
    }

    private void AutoReceiveMessage(object message)
    {
        switch (message)
        {
            case Actors.Terminated terminated:
                // Dropped when the watch was cancelled after the notification was queued.
                if (_terminatedQueued.Remove(terminated.ActorRef))
                {
                    ReceiveMessage(terminated);
                }

                break;
            case PoisonPill:
                SelfRef.Stop();
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify identify:
                Sender.Tell(new ActorIdentity(identify.MessageId, SelfRef), SelfRef);
                break;
            case ReceiveTimeoutTick tick:
                OnReceiveTimeoutTick(tick);
                break;
            case TimerMessage timer:
                if (_timers is not null && _timers.TryTake(timer, out var payload))
                {
                    ReceiveMessage(payload);
                }

                break;
        }
    }

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviorStack.Count > 1)
        {
            _behaviorStack[^1] = receive;
        }
        else
        {
            _behaviorStack.Add(receive);
        }

        _behavior = receive;
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviorStack.Add(receive);
        _behavior = receive;
    }

    /// <summary>Pops the top behaviour; the initial behaviour always stays.</summary>
    public void UnbecomeStacked()
    {
        if (_behaviorStack.Count > 1)
        {
            _behaviorStack.RemoveAt(_behaviorStack.Count - 1);
            _behavior = _behaviorStack[^1];
        }
    }

    private void PublishError(Exception? cause, string template, params object?[] args) =>
        _system.EventStream.Publish(new Error(cause, SelfRef.Path.ToString(), Props.Type, template, args));

    public override string ToString() => $"ActorCell({SelfRef.Path})";
}
