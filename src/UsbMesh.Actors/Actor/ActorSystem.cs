using System.Text.RegularExpressions;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Actors;

/// <summary>
/// A hierarchy of actors with its dispatchers, scheduler, event stream and dead letters. User actors live under
/// <c>/user</c>, the system's own (loggers) under <c>/system</c>.
/// </summary>
public abstract partial class ActorSystem : IActorRefFactory, IDisposable
{
    /// <summary>Creates and starts a system; <paramref name="name"/> is letters, digits, '-' and '_', starting with a letter or digit.</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        if (string.IsNullOrEmpty(name) || !ValidName().IsMatch(name))
        {
            throw new ArgumentException(
                $"Invalid actor system name [{name}]: use letters, digits, '-' and '_', starting with a letter or digit.", nameof(name));
        }

        return new ActorSystemImpl(name, settings ?? ActorSystemSettings.Default);
    }

    public abstract string Name { get; }

    public abstract ActorSystemSettings Settings { get; }

    public abstract EventStream EventStream { get; }

    /// <summary>Receives what cannot be delivered and publishes it as <see cref="DeadLetter"/>.</summary>
    public abstract IActorRef DeadLetters { get; }

    public abstract IScheduler Scheduler { get; }

    public abstract Dispatchers Dispatchers { get; }

    /// <summary>The system's own logger.</summary>
    public abstract ILoggingAdapter Log { get; }

    public abstract CoordinatedShutdown CoordinatedShutdown { get; }

    public abstract DateTimeOffset StartTime { get; }

    public TimeSpan Uptime => Scheduler.MonotonicClock;

    /// <summary>Completes once every actor has stopped and the system's resources are released.</summary>
    public abstract Task WhenTerminated { get; }

    public abstract IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Stops an actor asynchronously.</summary>
    public abstract void Stop(IActorRef actor);

    /// <summary>Runs the coordinated shutdown (which stops every actor) and returns <see cref="WhenTerminated"/>.</summary>
    public abstract Task Terminate();

    /// <summary>Terminates and waits for it, bounded by the shutdown phase timeouts.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Terminate().Wait(CoordinatedShutdown.TotalTimeout);
        }
    }

    public override string ToString() => $"ActorSystem({Name})";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex ValidName();
}
