using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>The temporary sender of an <c>Ask</c>: its first message completes the task; later ones are dead letters.</summary>
internal sealed class PromiseActorRef<T> : InternalActorRef
{
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystemImpl _system;
    private readonly CancellationTokenSource? _timer;

    public PromiseActorRef(ActorPath path, ActorSystemImpl system, ICanTell target, object message, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        Path = path;
        _system = system;
        if (timeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled)
        {
            return;
        }

        _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer.CancelAfter(timeout);
        }

        _timer.Token.UnsafeRegister(_ =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _promise.TrySetCanceled(cancellationToken);
            }
            else
            {
                _promise.TrySetException(new AskTimeoutException(
                    $"Ask timed out on {target} after {timeout.TotalMilliseconds:0} ms waiting for a {typeof(T).Name} in reply to {message.GetType().Name}."));
            }
        }, null);
        _promise.Task.ContinueWith(static (_, timer) => ((CancellationTokenSource)timer!).Dispose(), _timer,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task<T> Task => _promise.Task;

    public override ActorPath Path { get; }

    internal override InternalActorRef Parent => _system.DeadLettersRef;

    internal override bool IsTerminated => _promise.Task.IsCompleted;

    internal override Task Completion => _promise.Task;

    internal override ActorSystemImpl System => _system;

    protected override void TellInternal(object message, IActorRef? sender)
    {
        var completed = message switch
        {
            Status.Failure failure => _promise.TrySetException(failure.Cause),
            T reply => _promise.TrySetResult(reply),
            _ => _promise.TrySetException(new InvalidCastException(
                $"Ask expected a reply of type {typeof(T).Name} but {sender?.ToString() ?? "NoSender"} replied with {message.GetType().Name}.")),
        };
        if (!completed)
        {
            _system.PublishDeadLetter(message, sender, this);
        }
    }

    internal override void SendSystemMessage(SystemMessage message)
    {
    }
}
