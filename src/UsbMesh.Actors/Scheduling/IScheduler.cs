namespace UsbMesh.Actors;

/// <summary>Schedules messages; what actors use for timeouts and ticks.</summary>
public interface ITellScheduler
{
    void ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null);

    void ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message,
        IActorRef? sender, ICancelable? cancelable = null);
}

/// <summary>Schedules actions; prefer messages inside actors, since an action runs on a timer thread.</summary>
public interface IActionScheduler
{
    void ScheduleOnce(TimeSpan delay, Action action, ICancelable? cancelable = null);

    void ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable? cancelable = null);
}

/// <summary>The actor system's scheduler.</summary>
public interface IScheduler : ITellScheduler
{
    /// <summary>Wall-clock time, for timestamps.</summary>
    DateTimeOffset Now { get; }

    /// <summary>Monotonic time since the system started, for measuring intervals.</summary>
    TimeSpan MonotonicClock { get; }

    IActionScheduler Advanced { get; }
}

public static class SchedulerExtensions
{
    public static ICancelable ScheduleTellOnceCancelable(this ITellScheduler scheduler, TimeSpan delay, ICanTell receiver,
        object message, IActorRef? sender)
    {
        var cancelable = new Cancelable();
        scheduler.ScheduleTellOnce(delay, receiver, message, sender, cancelable);
        return cancelable;
    }

    public static ICancelable ScheduleTellRepeatedlyCancelable(this ITellScheduler scheduler, TimeSpan initialDelay,
        TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        var cancelable = new Cancelable();
        scheduler.ScheduleTellRepeatedly(initialDelay, interval, receiver, message, sender, cancelable);
        return cancelable;
    }
}
