namespace UsbMesh.Mesh.Membership;

/// <summary>
/// The phi accrual failure detector (Hayashibara et al.) as Akka.NET implements it: instead of a yes/no timeout it
/// says how suspicious the silence since the last heartbeat is, given the intervals seen so far. Phi is
/// -log10(probability that a heartbeat still comes this late), so phi 8 means a one in 10^8 chance of being wrong
/// about a live peer. Thread-safe.
/// </summary>
public sealed class PhiAccrualFailureDetector
{
    private readonly FailureDetectorSettings _settings;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private HeartbeatHistory _history;
    private long? _lastHeartbeat;

    /// <summary>A detector that has not heard anything yet.</summary>
    /// <param name="settings">Threshold, sample size and the allowances.</param>
    /// <param name="clock">Where time comes from (monotonic timestamps).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public PhiAccrualFailureDetector(FailureDetectorSettings settings, TimeProvider clock)
    {
        settings.Validate();
        _settings = settings;
        _clock = clock;
        _history = FirstHeartbeat(settings);
    }

    /// <summary>Whether the peer counts as alive now: phi below the threshold. True before the first heartbeat.</summary>
    public bool IsAvailable => Phi < _settings.Threshold;

    /// <summary>Whether a heartbeat has arrived at all.</summary>
    public bool IsMonitoring
    {
        get
        {
            lock (_gate)
            {
                return _lastHeartbeat.HasValue;
            }
        }
    }

    /// <summary>How suspicious the silence is now; 0 before the first heartbeat.</summary>
    public double Phi
    {
        get
        {
            var now = _clock.GetTimestamp();
            lock (_gate)
            {
                return PhiAt(now);
            }
        }
    }

    /// <summary>Records a heartbeat from the peer.</summary>
    public void Heartbeat()
    {
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (_lastHeartbeat is { } last)
            {
                // An interval that ends a failure (the peer came back) says nothing about its normal rhythm and
                // would inflate the mean, so only intervals seen while the peer was available are learned.
                if (PhiAt(now) < _settings.Threshold)
                {
                    _history.Add(_clock.GetElapsedTime(last, now).TotalMilliseconds);
                }
            }
            else
            {
                _history = FirstHeartbeat(_settings);
            }

            _lastHeartbeat = now;
        }
    }

    /// <summary>The approximation of phi from the normal distribution's CDF that Akka uses (logistic, error below 10^-4).</summary>
    /// <param name="sinceLast">Milliseconds since the last heartbeat.</param>
    /// <param name="mean">The expected interval, acceptable pause included.</param>
    /// <param name="stdDeviation">The deviation of the intervals.</param>
    internal static double PhiOf(double sinceLast, double mean, double stdDeviation)
    {
        var y = (sinceLast - mean) / stdDeviation;
        var e = Math.Exp(-y * (1.5976 + (0.070566 * y * y)));
        // Two forms of the same value, each the one that keeps its precision on its side of the mean.
        return sinceLast > mean ? -Math.Log10(e / (1.0 + e)) : -Math.Log10(1.0 - (1.0 / (1.0 + e)));
    }

    private double PhiAt(long now)
    {
        if (_lastHeartbeat is not { } last)
        {
            return 0.0;
        }

        var sinceLast = _clock.GetElapsedTime(last, now).TotalMilliseconds;
        var stdDeviation = Math.Max(_history.StdDeviation, _settings.MinStdDeviation.TotalMilliseconds);
        return PhiOf(sinceLast, _history.Mean + _settings.AcceptableHeartbeatPause.TotalMilliseconds, stdDeviation);
    }

    // Until real intervals are measured, the estimate stands in with a deviation of a quarter of it.
    private static HeartbeatHistory FirstHeartbeat(FailureDetectorSettings settings)
    {
        var mean = settings.FirstHeartbeatEstimate.TotalMilliseconds;
        var stdDeviation = mean / 4;
        var history = new HeartbeatHistory(settings.MaxSampleSize);
        history.Add(mean - stdDeviation);
        history.Add(mean + stdDeviation);
        return history;
    }
}
