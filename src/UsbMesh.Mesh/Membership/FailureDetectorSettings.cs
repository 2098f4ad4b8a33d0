namespace UsbMesh.Mesh.Membership;

/// <summary>
/// How peers are watched (<c>usbmesh.mesh.failure-detector</c>), with the meaning Akka.NET gives these settings.
/// </summary>
/// <param name="HeartbeatInterval">How often a node sends heartbeats to the peers it watches.</param>
/// <param name="Threshold">Phi at or above which a peer counts as unavailable: lower reacts faster and errs more often.</param>
/// <param name="MaxSampleSize">How many heartbeat intervals the mean and deviation are taken over.</param>
/// <param name="MinStdDeviation">The least deviation assumed, so a perfectly regular peer is not accused on its first late beat.</param>
/// <param name="AcceptableHeartbeatPause">Silence added to the expected interval before phi starts to rise (a GC pause, a busy link).</param>
/// <param name="FirstHeartbeatEstimate">The interval assumed before any has been measured.</param>
public sealed record FailureDetectorSettings(
    TimeSpan HeartbeatInterval,
    double Threshold,
    int MaxSampleSize,
    TimeSpan MinStdDeviation,
    TimeSpan AcceptableHeartbeatPause,
    TimeSpan FirstHeartbeatEstimate)
{
    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static FailureDetectorSettings Default { get; } = new(
        HeartbeatInterval: TimeSpan.FromSeconds(1),
        Threshold: 8.0,
        MaxSampleSize: 1000,
        MinStdDeviation: TimeSpan.FromMilliseconds(100),
        AcceptableHeartbeatPause: TimeSpan.FromSeconds(3),
        FirstHeartbeatEstimate: TimeSpan.FromSeconds(1));

    /// <summary>Refuses values the detector cannot work with.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "the heartbeat interval must be positive");
        }

        if (!double.IsFinite(Threshold) || Threshold <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the threshold must be a positive number");
        }

        if (MaxSampleSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSampleSize), MaxSampleSize, "at least one sample must be kept");
        }

        if (MinStdDeviation <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinStdDeviation), MinStdDeviation, "the minimum deviation must be positive");
        }

        if (AcceptableHeartbeatPause < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AcceptableHeartbeatPause), AcceptableHeartbeatPause, "the acceptable pause cannot be negative");
        }

        if (FirstHeartbeatEstimate <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstHeartbeatEstimate), FirstHeartbeatEstimate, "the first heartbeat estimate must be positive");
        }
    }
}
