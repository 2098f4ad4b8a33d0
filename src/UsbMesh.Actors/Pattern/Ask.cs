namespace UsbMesh.Actors;

public static class Futures
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and completes with its first reply: a reply of type
    /// <typeparamref name="T"/> is the result, a <see cref="Status.Failure"/> its exception, anything else an
    /// <see cref="InvalidCastException"/>. No reply within <paramref name="timeout"/> (default: the system's ask
    /// timeout) fails with <see cref="AskTimeoutException"/>.
    /// </summary>
    public static Task<T> Ask<T>(this ICanTell receiver, object message, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        var system = (receiver as InternalActorRef)?.System;
        if (system is null)
        {
            return Task.FromException<T>(new AskTimeoutException($"{receiver} can never reply to {message.GetType().Name}."));
        }

        var limit = timeout ?? system.Settings.AskTimeout;
        var promise = new PromiseActorRef<T>(system.NewTempPath(), system, receiver, message, limit, cancellationToken);
        receiver.Tell(message, promise);
        return promise.Task;
    }

    public static Task<object> Ask(this ICanTell receiver, object message, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        Ask<object>(receiver, message, timeout, cancellationToken);
}
