namespace UsbMesh.Actors;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, registered in its constructor or inside
/// <see cref="Become(Action)"/>. Handlers are tried in registration order.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private MessageHandlers? _configuring = new();
    private MessageHandlers _initial = new();

    /// <summary>Handles messages of type <typeparamref name="T"/> (that satisfy <paramref name="shouldHandle"/>, if given).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Configuring().Add(new SyncHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> that satisfy <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => Receive(handler, shouldHandle);

    /// <summary>
    /// Handles messages asynchronously. The mailbox holds every other user message until the task ends, and code after
    /// each <c>await</c> runs inside the actor (Self, Sender and Context stay valid). A faulted task fails the actor.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Configuring().Add(new AsyncHandler<T>((ActorCell)Context, handler, shouldHandle));
    }

    /// <summary>Handles every message not handled by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => Receive(handler);

    /// <summary>Asynchronous <see cref="ReceiveAny"/>, holding the mailbox like <see cref="ReceiveAsync{T}"/>.</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler) => ReceiveAsync(handler);

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Become(Build(configure));

    /// <summary>Pushes the handlers that <paramref name="configure"/> registers; <c>UnbecomeStacked</c> pops them.</summary>
    protected void BecomeStacked(Action configure) => BecomeStacked(Build(configure));

    protected sealed override bool Receive(object message) => _initial.TryHandle(message);

    internal sealed override void OnConstructed()
    {
        _initial = _configuring!;
        _configuring = null;
    }

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var previous = _configuring;
        var handlers = _configuring = new MessageHandlers();
        try
        {
            configure();
        }
        finally
        {
            _configuring = previous;
        }

        return handlers.TryHandle;
    }

    private MessageHandlers Configuring() => _configuring ?? throw new InvalidOperationException(
        "Receive handlers can only be registered in the constructor or inside Become/BecomeStacked.");
}
