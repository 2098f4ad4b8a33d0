namespace UsbMesh.Actors;

/// <summary>One typed handler of a <see cref="ReceiveActor"/> behaviour.</summary>
internal interface IMessageHandler
{
    bool TryHandle(object message);
}

/// <summary>An ordered list of handlers; the first whose type and predicate match handles the message.</summary>
internal sealed class MessageHandlers
{
    private IMessageHandler[] _handlers = [];

    public void Add(IMessageHandler handler) => _handlers = [.. _handlers, handler];

    public bool TryHandle(object message)
    {
        foreach (var handler in _handlers)
        {
            if (handler.TryHandle(message))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class SyncHandler<T>(Action<T> handle, Predicate<T>? shouldHandle) : IMessageHandler
{
    public bool TryHandle(object message)
    {
        if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
        {
            handle(typed);
            return true;
        }

        return false;
    }
}

internal sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> handle, Predicate<T>? shouldHandle) : IMessageHandler
{
    public bool TryHandle(object message)
    {
        if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
        {
            cell.RunTask(() => handle(typed));
            return true;
        }

        return false;
    }
}
