namespace UsbMesh.Actors;

/// <summary>Named timers that belong to one actor incarnation: cancelled on restart and stop, and a timer that is
/// cancelled or replaced never delivers, even if its message was already queued.</summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> to self once after <paramref name="timeout"/>, replacing a timer with the same key.</summary>
    void StartSingleTimer(object key, object message, TimeSpan timeout);

    /// <summary>Sends <paramref name="message"/> to self every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    IReadOnlyCollection<object> ActiveTimers { get; }

    void Cancel(object key);

    void CancelAll();
}

/// <summary>An actor with timers; the kernel sets <see cref="Timers"/> before the constructor body runs.</summary>
public interface IWithTimers
{
    ITimerScheduler Timers { get; set; }
}

/// <summary>What a timer actually sends: the payload tagged with its timer's identity.</summary>
internal sealed record TimerMessage(object Key, int Generation, object Payload, TimerScheduler Owner) : IAutoReceivedMessage;

internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, (int Generation, bool Repeat, ICancelable Task)> _timers = [];
    private int _generation;

    public IReadOnlyCollection<object> ActiveTimers => _timers.Keys.ToArray();

    public void StartSingleTimer(object key, object message, TimeSpan timeout) =>
        Start(key, message, timeout, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Task.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Task.Cancel();
        }

        _timers.Clear();
    }

    /// <summary>Accepts a delivered timer message if its timer is still the current one with that key.</summary>
    internal bool TryTake(TimerMessage message, out object payload)
    {
        payload = message.Payload;
        if (!ReferenceEquals(message.Owner, this) || !_timers.TryGetValue(message.Key, out var timer) ||
            timer.Generation != message.Generation)
        {
            return false;
        }

        if (!timer.Repeat)
        {
            _timers.Remove(message.Key);
        }

        return true;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var tagged = new TimerMessage(key, ++_generation, message, this);
        var scheduler = cell.System.Scheduler;
        var task = interval is { } every
            ? scheduler.ScheduleTellRepeatedlyCancelable(delay, every, cell.Self, tagged, cell.Self)
            : scheduler.ScheduleTellOnceCancelable(delay, cell.Self, tagged, cell.Self);
        _timers[key] = (_generation, interval is not null, task);
    }
}
