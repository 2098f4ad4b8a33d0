using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

public sealed class PhiAccrualFailureDetectorTests
{
    private static readonly FailureDetectorSettings Settings = FailureDetectorSettings.Default with
    {
        AcceptableHeartbeatPause = TimeSpan.Zero,
        MinStdDeviation = TimeSpan.FromMilliseconds(10),
    };

    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void A_detector_that_heard_nothing_is_available_and_not_monitoring()
    {
        var detector = new PhiAccrualFailureDetector(Settings, _clock);
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.False(detector.IsMonitoring);
        Assert.True(detector.IsAvailable);
        Assert.Equal(0.0, detector.Phi);
    }

    [Fact]
    public void Phi_stays_low_while_heartbeats_come_regularly()
    {
        var detector = new PhiAccrualFailureDetector(Settings, _clock);
        for (var i = 0; i < 100; i++)
        {
            detector.Heartbeat();
            _clock.Advance(1000);
            Assert.True(detector.Phi < 1.0, $"phi {detector.Phi} after beat {i}");
        }

        Assert.True(detector.IsMonitoring);
        Assert.True(detector.IsAvailable);
    }

    [Fact]
    public void Phi_rises_with_silence_until_the_peer_is_unavailable()
    {
        var detector = new PhiAccrualFailureDetector(Settings, _clock);
        for (var i = 0; i < 20; i++)
        {
            detector.Heartbeat();
            _clock.Advance(1000);
        }

        var previous = detector.Phi;
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(100); // small steps: far enough out phi is infinite and stops rising
            Assert.True(detector.Phi > previous, $"phi fell from {previous} to {detector.Phi}");
            previous = detector.Phi;
        }

        Assert.False(detector.IsAvailable);
    }

    [Fact]
    public void The_acceptable_pause_is_added_before_phi_rises()
    {
        var strict = new PhiAccrualFailureDetector(Settings, _clock);
        var lenient = new PhiAccrualFailureDetector(Settings with { AcceptableHeartbeatPause = TimeSpan.FromSeconds(3) }, _clock);
        for (var i = 0; i < 20; i++)
        {
            strict.Heartbeat();
            lenient.Heartbeat();
            _clock.Advance(1000);
        }

        _clock.Advance(2500); // 3.5 s of silence: 2.5 s beyond the interval, within the 3 s pause

        Assert.False(strict.IsAvailable);
        Assert.True(lenient.IsAvailable);

        _clock.Advance(2000); // 1.5 s beyond interval and pause

        Assert.False(lenient.IsAvailable);
    }

    [Fact]
    public void A_fresh_detector_uses_the_first_heartbeat_estimate()
    {
        var detector = new PhiAccrualFailureDetector(Settings with { FirstHeartbeatEstimate = TimeSpan.FromSeconds(10) }, _clock);
        detector.Heartbeat();
        _clock.Advance(TimeSpan.FromSeconds(9));

        Assert.True(detector.IsAvailable);

        _clock.Advance(TimeSpan.FromSeconds(20));

        Assert.False(detector.IsAvailable);
    }

    [Fact]
    public void The_logistic_approximation_matches_the_normal_distribution()
    {
        Assert.Equal(-Math.Log10(0.5), PhiAccrualFailureDetector.PhiOf(1000, 1000, 100), 3);
        // One deviation late: P(X > mean + sd) is about 0.1587.
        Assert.Equal(-Math.Log10(0.1587), PhiAccrualFailureDetector.PhiOf(1100, 1000, 100), 2);
        // Three deviations late: about 0.00135.
        Assert.Equal(-Math.Log10(0.00135), PhiAccrualFailureDetector.PhiOf(1300, 1000, 100), 1);
    }

    [Fact]
    public void Intervals_that_end_a_failure_are_not_learned()
    {
        var detector = new PhiAccrualFailureDetector(Settings, _clock);
        for (var i = 0; i < 20; i++)
        {
            detector.Heartbeat();
            _clock.Advance(1000);
        }

        _clock.Advance(TimeSpan.FromMinutes(5));
        detector.Heartbeat(); // back after an outage
        _clock.Advance(1500);

        // Had the five minutes been learned, the mean would hide a 1.5 s silence.
        Assert.False(detector.IsAvailable);
    }

    [Fact]
    public void Out_of_range_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhiAccrualFailureDetector(Settings with { Threshold = 0 }, _clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhiAccrualFailureDetector(Settings with { MaxSampleSize = 0 }, _clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhiAccrualFailureDetector(Settings with { MinStdDeviation = TimeSpan.Zero }, _clock));
    }
}
