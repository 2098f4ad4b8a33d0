using UsbMesh.Actors;
using UsbMesh.Actors.Event;

namespace UsbMesh.TestKit;

/// <summary>Builds filters for events on the event stream: log events by level, exception type, message and source, or dead letters.</summary>
public sealed class EventFilterFactory(TestKitBase kit)
{
    /// <summary>Error events; <paramref name="message"/> must equal, <paramref name="start"/> begin, <paramref name="contains"/> occur in the rendered message.</summary>
    public EventFilterApplier Error(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Error>(null, message, start, contains, source);

    public EventFilterApplier Warning(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Warning>(null, message, start, contains, source);

    public EventFilterApplier Info(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Info>(null, message, start, contains, source);

    public EventFilterApplier Debug(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Debug>(null, message, start, contains, source);

    /// <summary>Error events whose cause is a <typeparamref name="TException"/>, such as the supervisor's report of a failure.</summary>
    public EventFilterApplier Exception<TException>(string? message = null, string? start = null, string? contains = null, string? source = null)
        where TException : Exception =>
        Log<Error>(typeof(TException), message, start, contains, source);

    /// <summary>Dead letters carrying a <typeparamref name="TMessage"/>.</summary>
    public EventFilterApplier DeadLetter<TMessage>() =>
        new(kit, typeof(DeadLetter), e => e is Actors.DeadLetter { Message: TMessage }, $"dead letter of {typeof(TMessage).Name}");

    private EventFilterApplier Log<TEvent>(Type? exceptionType, string? message, string? start, string? contains, string? source)
        where TEvent : LogEvent
    {
        var description = $"{typeof(TEvent).Name}" +
                          (exceptionType is null ? "" : $" caused by {exceptionType.Name}") +
                          (message is null ? "" : $" \"{message}\"") +
                          (start is null ? "" : $" starting \"{start}\"") +
                          (contains is null ? "" : $" containing \"{contains}\"") +
                          (source is null ? "" : $" from {source}");
        return new EventFilterApplier(kit, typeof(TEvent), e =>
        {
            if (e is not TEvent log || (exceptionType is not null && !exceptionType.IsInstanceOfType(log.Cause)))
            {
                return false;
            }

            var text = log.RenderMessage();
            return (message is null || text == message) &&
                   (start is null || text.StartsWith(start, StringComparison.Ordinal)) &&
                   (contains is null || text.Contains(contains, StringComparison.Ordinal)) &&
                   (source is null || log.LogSource.Contains(source, StringComparison.Ordinal));
        }, description);
    }
}

/// <summary>Runs code and expects the filter's events to occur exactly the given number of times.</summary>
public sealed class EventFilterApplier
{
    private readonly TestKitBase _kit;
    private readonly Type _channel;
    private readonly Func<object, bool> _matches;
    private readonly string _description;

    internal EventFilterApplier(TestKitBase kit, Type channel, Func<object, bool> matches, string description)
    {
        _kit = kit;
        _channel = channel;
        _matches = matches;
        _description = description;
    }

    public void ExpectOne(Action action) => Expect(1, action);

    public T ExpectOne<T>(Func<T> func)
    {
        var result = default(T);
        Expect(1, () => { result = func(); });
        return result!;
    }

    public Task ExpectOneAsync(Func<Task> action, TimeSpan? timeout = null) => ExpectAsync(1, action, timeout);

    public void Expect(int expectedCount, Action action, TimeSpan? timeout = null) =>
        ExpectAsync(expectedCount, () =>
        {
            action();
            return Task.CompletedTask;
        }, timeout).GetAwaiter().GetResult();

    /// <summary>
    /// Counts matching events published from the start of <paramref name="action"/> until
    /// <paramref name="expectedCount"/> have been seen or the timeout passes; fails on too few or too many.
    /// </summary>
    public async Task ExpectAsync(int expectedCount, Func<Task> action, TimeSpan? timeout = null)
    {
        var counter = new MatchCounter();
        var collector = _kit.Sys.ActorOf(Props.Create(() => new MatchingEventCollector(_matches, counter)));
        var stream = _kit.Sys.EventStream;
        // The subscription is made by the collector in PreStart; wait until it exists so no early event is missed.
        await collector.Ask<Done>(new MatchingEventCollector.Subscribe(_channel), TestKitBase.Dilated(TestKitSettings.DefaultTimeout))
            .ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
            var deadline = timeout is { } t ? TestKitBase.Dilated(t) : _kit.RemainingOrDefault;
            // Expecting none can only be shown by waiting the whole time; otherwise stop as soon as enough arrived.
            await counter.WaitForAsync(expectedCount == 0 ? 1 : expectedCount, deadline).ConfigureAwait(false);
            var seen = counter.Count;
            if (seen != expectedCount)
            {
                throw new TestKitFailure(
                    $"Expected {expectedCount} event(s) matching {_description} but saw {seen} within {deadline.TotalMilliseconds:0} ms.");
            }
        }
        finally
        {
            stream.Unsubscribe(collector);
            _kit.Sys.Stop(collector);
        }
    }

    private sealed class MatchCounter
    {
        private readonly SemaphoreSlim _signal = new(0);
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment()
        {
            Interlocked.Increment(ref _count);
            _signal.Release();
        }

        public async Task WaitForAsync(int expected, TimeSpan timeout)
        {
            using var timer = new CancellationTokenSource(timeout);
            try
            {
                while (Count < expected)
                {
                    await _signal.WaitAsync(timer.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The caller reports how many arrived.
            }
        }
    }

    private sealed class MatchingEventCollector : ReceiveActor
    {
        public MatchingEventCollector(Func<object, bool> matches, MatchCounter counter)
        {
            Receive<Subscribe>(s =>
            {
                Context.System.EventStream.Subscribe(Self, s.Channel);
                Sender.Tell(Done.Instance);
            });
            ReceiveAny(e =>
            {
                if (matches(e))
                {
                    counter.Increment();
                }
            });
        }

        public sealed record Subscribe(Type Channel);
    }
}
