using System.Collections.Concurrent;

namespace UsbMesh.Actors.Event;

/// <summary>
/// Publish-subscribe by type within one actor system: a subscriber to a type gets every event assignable to it.
/// Publishing looks up a per-type snapshot of subscribers, so it neither locks nor allocates.
/// </summary>
public sealed class EventStream
{
    private readonly object _lock = new();
    private readonly List<(Type Channel, IActorRef Subscriber)> _subscriptions = [];
    private readonly ConcurrentDictionary<Type, IActorRef[]> _byEventType = new();
    private volatile LogLevel _logLevel = LogLevel.Info;

    /// <summary>
    /// The lowest level the loggers of actors and components publish (Akka's <c>LoggingBus.LogLevel</c>): the
    /// system's configured level at start, changed at run time by <see cref="SetLogLevel"/>.
    /// </summary>
    public LogLevel LogLevel => _logLevel;

    /// <summary>Changes <see cref="LogLevel"/> for every logger of the system at once, those already made included.</summary>
    public void SetLogLevel(LogLevel level) => _logLevel = level;

    /// <summary>Subscribes to <paramref name="channel"/> and its subtypes; false if already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            if (_subscriptions.Contains((channel, subscriber)))
            {
                return false;
            }

            _subscriptions.Add((channel, subscriber));
            _byEventType.Clear();
            return true;
        }
    }

    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_lock)
        {
            var removed = _subscriptions.Remove((channel, subscriber));
            _byEventType.Clear();
            return removed;
        }
    }

    /// <summary>Removes every subscription of <paramref name="subscriber"/>; stopped actors are removed this way.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        lock (_lock)
        {
            var removed = _subscriptions.RemoveAll(s => s.Subscriber.Equals(subscriber)) > 0;
            if (removed)
            {
                _byEventType.Clear();
            }

            return removed;
        }
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var type = @event.GetType();
        if (!_byEventType.TryGetValue(type, out var subscribers))
        {
            subscribers = SubscribersOf(type);
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Tell(@event, null);
        }
    }

    private IActorRef[] SubscribersOf(Type eventType)
    {
        lock (_lock)
        {
            var subscribers = _subscriptions
                .Where(s => s.Channel.IsAssignableFrom(eventType))
                .Select(s => s.Subscriber)
                .Distinct()
                .ToArray();
            _byEventType[eventType] = subscribers;
            return subscribers;
        }
    }
}
