namespace UsbMesh.Dashboard.Tests;

public sealed class ThroughputTrackerSpec
{
    private readonly ManualTime _time = new();
    private readonly ThroughputTracker _tracker;

    public ThroughputTrackerSpec() => _tracker = new ThroughputTracker(_time);

    [Fact]
    public void A_rate_needs_readings_half_a_second_apart()
    {
        Assert.Null(_tracker.Observe("s1", "0", "0"));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(_tracker.Observe("s1", "100", "0"));
        _time.Advance(TimeSpan.FromMilliseconds(900));

        Assert.Equal((2000.0, 500.0), _tracker.Observe("s1", "2000", "500"));
    }

    [Fact]
    public void The_rate_is_taken_over_the_last_few_seconds()
    {
        _tracker.Observe("s1", "0", "0");
        for (var second = 1; second <= 10; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _tracker.Observe("s1", $"{second * 1000}", "0");
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        // Nothing moved in the last second; the window still holds the earlier seconds at 1000 B/s.
        var rate = _tracker.Observe("s1", "10000", "0")!.Value;
        Assert.InRange(rate.In, 600, 800);
    }

    [Fact]
    public void Counters_that_go_back_start_a_new_history()
    {
        _tracker.Observe("s1", "5000", "5000");
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(_tracker.Observe("s1", "10", "10"));
    }

    [Fact]
    public void Sessions_no_longer_listed_are_forgotten_and_text_gives_no_rate()
    {
        _tracker.Observe("s1", "0", "0");
        _tracker.Retain(new HashSet<string>());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(_tracker.Observe("s1", "1000", "0"));
        Assert.Null(_tracker.Observe("s2", "many", "0"));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
