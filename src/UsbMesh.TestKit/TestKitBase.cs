using System.Diagnostics;
using System.Threading.Channels;
using UsbMesh.Actors;

namespace UsbMesh.TestKit;

/// <summary>
/// The expectation API shared by <see cref="TestKit"/> and <see cref="TestProbe"/>: a test actor that queues what it
/// receives, and expectations over that queue. Every timeout is dilated by <see cref="TestKitSettings.TimeFactor"/>;
/// inside <c>Within</c>, expectations without a timeout use what remains of the block. Each synchronous method has an
/// <c>…Async</c> twin; the synchronous one blocks on it.
/// </summary>
public abstract partial class TestKitBase
{
    private static int _nextTestActorNumber;

    private readonly Channel<ReceivedMessage> _queue = Channel.CreateUnbounded<ReceivedMessage>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });

    private readonly AsyncLocal<long?> _withinEnd = new();
    private ActorSystem? _system;
    private IActorRef? _testActor;

    /// <summary>For subclasses that create their system after construction; call <see cref="InitializeTest"/>.</summary>
    protected TestKitBase()
    {
    }

    protected TestKitBase(ActorSystem system, string testActorPrefix)
    {
        InitializeTest(system, testActorPrefix);
    }

    public ActorSystem Sys => _system ?? throw new InvalidOperationException("The test kit has no actor system yet.");

    /// <summary>The actor whose received messages the expectations read; use it as sender or as a target.</summary>
    public IActorRef TestActor => _testActor ?? throw new InvalidOperationException("The test kit has no test actor yet.");

    /// <summary>The sender of the last message an expectation took.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    public EventFilterFactory EventFilter => new(this);

    /// <summary>Multiplies a duration by the time factor.</summary>
    public static TimeSpan Dilated(TimeSpan duration) => TestKitSettings.Dilated(duration);

    /// <summary>What remains of the innermost <c>Within</c>, or the dilated default timeout outside one.</summary>
    public TimeSpan RemainingOrDefault => Remaining ?? Dilated(TestKitSettings.DefaultTimeout);

    private TimeSpan? Remaining => _withinEnd.Value is { } end
        ? TimeSpan.FromTicks(Math.Max(0, (end - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency))
        : null;

    protected void InitializeTest(ActorSystem system, string testActorPrefix)
    {
        _system = system;
        var number = Interlocked.Increment(ref _nextTestActorNumber);
        _testActor = system.ActorOf(Props.Create(() => new TestActor(_queue.Writer)), $"{testActorPrefix}{number}");
    }

    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name ?? "testProbe");

    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    public IActorRef ActorOf<TActor>(string? name = null) where TActor : ActorBase, new() => Sys.ActorOf<TActor>(name);

    public IActorRef ActorOf<TActor>(Func<TActor> factory, string? name = null) where TActor : ActorBase =>
        Sys.ActorOf(Props.Create(factory), name);

    /// <summary>Makes the test actor watch <paramref name="subject"/>, so <see cref="ExpectTerminated"/> can see it die.</summary>
    public IActorRef Watch(IActorRef subject)
    {
        TestActor.Ask<Done>(new TestActor.WatchCommand(subject), RemainingOrDefault).GetAwaiter().GetResult();
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        TestActor.Ask<Done>(new TestActor.UnwatchCommand(subject), RemainingOrDefault).GetAwaiter().GetResult();
        return subject;
    }

    /// <summary>Runs <paramref name="block"/> and fails unless it took at most <paramref name="max"/> (dilated);
    /// expectations inside without a timeout share that budget.</summary>
    public void Within(TimeSpan max, Action block) => Within(TimeSpan.Zero, max, block);

    public void Within(TimeSpan min, TimeSpan max, Action block) =>
        WithinAsync(min, max, () =>
        {
            block();
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();

    public T Within<T>(TimeSpan max, Func<T> block)
    {
        var result = default(T);
        Within(TimeSpan.Zero, max, () => { result = block(); });
        return result!;
    }

    public Task WithinAsync(TimeSpan max, Func<Task> block) => WithinAsync(TimeSpan.Zero, max, block);

    /// <summary>Fails unless <paramref name="block"/> takes between <paramref name="min"/> and <paramref name="max"/> (dilated).</summary>
    public async Task WithinAsync(TimeSpan min, TimeSpan max, Func<Task> block)
    {
        var dilatedMax = Dilated(max);
        var start = Stopwatch.GetTimestamp();
        var outer = _withinEnd.Value;
        var end = start + (long)(dilatedMax.TotalSeconds * Stopwatch.Frequency);
        _withinEnd.Value = outer is { } o && o < end ? o : end;
        try
        {
            await block().ConfigureAwait(false);
        }
        finally
        {
            _withinEnd.Value = outer;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        if (elapsed < min)
        {
            throw new TestKitFailure($"Within: the block took {elapsed.TotalMilliseconds:0} ms, less than the minimum {min.TotalMilliseconds:0} ms.");
        }

        if (elapsed > dilatedMax)
        {
            throw new TestKitFailure($"Within: the block took {elapsed.TotalMilliseconds:0} ms, more than the maximum {dilatedMax.TotalMilliseconds:0} ms.");
        }
    }

    /// <summary>Takes the next message, or null when none arrives within <paramref name="max"/> (dilated unless within).</summary>
    public object? ReceiveOne(TimeSpan? max = null) => ReceiveOneAsync(max).GetAwaiter().GetResult();

    public async Task<object?> ReceiveOneAsync(TimeSpan? max = null, CancellationToken cancellationToken = default) =>
        (await TryReceiveAsync(Timeout(max), cancellationToken).ConfigureAwait(false))?.Message;

    /// <summary>Takes exactly <paramref name="count"/> messages, failing if they do not all arrive in time.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? max = null) => ReceiveNAsync(count, max).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<object>> ReceiveNAsync(int count, TimeSpan? max = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(Timeout(max));
        var messages = new List<object>(count);
        while (messages.Count < count)
        {
            var next = await TryReceiveAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false)
                ?? throw new TestKitFailure($"Timeout ({deadline.Total.TotalMilliseconds:0} ms) while waiting for message {messages.Count + 1} of {count}; got: {Describe(messages)}");
            messages.Add(next.Message);
        }

        return messages;
    }

    /// <summary>Resolves an explicit timeout (dilated) or the default of the current context.</summary>
    private protected TimeSpan Timeout(TimeSpan? explicitTimeout) =>
        explicitTimeout is { } timeout ? Dilated(timeout) : RemainingOrDefault;

    private protected static Countdown Deadline(TimeSpan total) => new(total, Stopwatch.GetTimestamp());

    private protected async Task<ReceivedMessage?> TryReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_queue.Reader.TryRead(out var received))
        {
            if (timeout <= TimeSpan.Zero)
            {
                return null;
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                received = await _queue.Reader.ReadAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        LastSender = received.Sender;
        return received;
    }

    private protected static string Describe(IEnumerable<object> messages)
    {
        var text = string.Join(", ", messages.Select(m => $"{m} ({m.GetType().Name})"));
        return text.Length == 0 ? "nothing" : text;
    }

    /// <summary>A time budget shared by the steps of one expectation.</summary>
    private protected readonly record struct Countdown(TimeSpan Total, long Start)
    {
        public TimeSpan Remaining
        {
            get
            {
                var left = Total - Stopwatch.GetElapsedTime(Start);
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }
}
