namespace UsbMesh.Actors;

public static class PipeToSupport
{
    /// <summary>
    /// Sends the task's outcome to <paramref name="recipient"/> when it completes: the result (or what
    /// <paramref name="success"/> makes of it), or a <see cref="Status.Failure"/> (or what <paramref name="failure"/>
    /// makes of the exception). The way to bring async results back into an actor without blocking it.
    /// </summary>
    public static Task PipeTo<T>(this Task<T> task, ICanTell recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(t => recipient.Tell(t.IsCompletedSuccessfully
                ? (success is null ? t.Result! : success(t.Result))
                : Failure(t, failure), sender),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>As <see cref="PipeTo{T}"/> for a task without result: <paramref name="success"/> or <see cref="Status.Success"/>.</summary>
    public static Task PipeTo(this Task task, ICanTell recipient, IActorRef? sender = null,
        Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(t => recipient.Tell(t.IsCompletedSuccessfully
                ? success?.Invoke() ?? new Status.Success(null)
                : Failure(t, failure), sender),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static object Failure(Task task, Func<Exception, object>? failure)
    {
        Exception cause = task.IsCanceled
            ? new TaskCanceledException(task)
            : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
        return failure is null ? new Status.Failure(cause) : failure(cause);
    }
}
