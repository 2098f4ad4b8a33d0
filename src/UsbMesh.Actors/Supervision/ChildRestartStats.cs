namespace UsbMesh.Actors;

/// <summary>A child as its supervisor sees it, with the restarts counted against the strategy's limits.</summary>
public sealed class ChildRestartStats
{
    private long _windowStart;

    internal ChildRestartStats(InternalActorRef child)
    {
        ChildRef = child;
    }

    public IActorRef Child => ChildRef;

    /// <summary>Restarts counted in the current window.</summary>
    public int RetriesCount { get; private set; }

    internal InternalActorRef ChildRef { get; }

    internal bool IsStopping { get; set; }

    /// <summary>
    /// Counts a restart and says whether it is allowed: at most <paramref name="maxNrOfRetries"/> (negative: no limit)
    /// within <paramref name="withinTimeRange"/> (infinite: ever). A window that has passed starts a new count.
    /// </summary>
    internal bool RequestRestartPermission(int maxNrOfRetries, TimeSpan withinTimeRange)
    {
        if (maxNrOfRetries == 0)
        {
            return false;
        }

        if (maxNrOfRetries < 0)
        {
            return true;
        }

        if (withinTimeRange == Timeout.InfiniteTimeSpan || withinTimeRange <= TimeSpan.Zero)
        {
            return ++RetriesCount <= maxNrOfRetries;
        }

        var now = Environment.TickCount64;
        if (RetriesCount == 0 || now - _windowStart > (long)withinTimeRange.TotalMilliseconds)
        {
            _windowStart = now;
            RetriesCount = 1;
            return true;
        }

        return ++RetriesCount <= maxNrOfRetries;
    }
}
