using System.Diagnostics;

namespace UsbMesh.Actors;

/// <summary>
/// A scheduler on <see cref="System.Threading.Timer"/>: the runtime keeps one timer queue, so each scheduled item is a
/// small object and nothing polls. Cancelling or shutting down disposes the timer, so nothing fires afterwards.
/// </summary>
internal sealed class ThreadingTimerScheduler : IScheduler, IActionScheduler, IDisposable
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _shutdown = new();

    public DateTimeOffset Now => DateTimeOffset.UtcNow;

    public TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(_startTimestamp);

    public IActionScheduler Advanced => this;

    public void ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        Schedule(delay, null, () => receiver.Tell(message, sender), cancelable);
    }

    public void ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message,
        IActorRef? sender, ICancelable? cancelable = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        Schedule(initialDelay, CheckInterval(interval), () => receiver.Tell(message, sender), cancelable);
    }

    public void ScheduleOnce(TimeSpan delay, Action action, ICancelable? cancelable = null) =>
        Schedule(delay, null, action, cancelable);

    public void ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable? cancelable = null) =>
        Schedule(initialDelay, CheckInterval(interval), action, cancelable);

    public void Dispose()
    {
        _shutdown.Cancel();
        _shutdown.Dispose();
    }

    private static TimeSpan CheckInterval(TimeSpan interval) => interval > TimeSpan.Zero
        ? interval
        : throw new ArgumentOutOfRangeException(nameof(interval), interval, "A repeating interval must be positive.");

    private void Schedule(TimeSpan delay, TimeSpan? interval, Action action, ICancelable? cancelable)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (_shutdown.IsCancellationRequested || cancelable?.IsCancellationRequested == true)
        {
            return;
        }

        var item = new ScheduledItem(action, interval is null);
        item.Start(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, interval ?? Timeout.InfiniteTimeSpan,
            _shutdown.Token, cancelable?.Token ?? CancellationToken.None);
    }

    private sealed class ScheduledItem(Action action, bool once)
    {
        private Timer? _timer;
        private CancellationTokenRegistration _onShutdown;
        private CancellationTokenRegistration _onCancel;
        private int _stopped;

        public void Start(TimeSpan delay, TimeSpan period, CancellationToken shutdown, CancellationToken cancel)
        {
            // Registered before the timer starts so that a stop can never miss it; the timer is created stopped.
            _timer = new Timer(static s => ((ScheduledItem)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _onShutdown = shutdown.UnsafeRegister(static s => ((ScheduledItem)s!).Stop(), this);
            _onCancel = cancel.UnsafeRegister(static s => ((ScheduledItem)s!).Stop(), this);
            if (Volatile.Read(ref _stopped) == 0)
            {
                _timer.Change(delay, period);
            }
        }

        private void Fire()
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                return;
            }

            if (once)
            {
                Stop();
            }

            action();
        }

        private void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }

            _timer?.Dispose();
            _onShutdown.Dispose();
            _onCancel.Dispose();
        }
    }
}
