namespace UsbMesh.Metrics;

/// <summary>What one label set of one instrument measured so far.</summary>
internal abstract class MetricSeries
{
    public abstract void Record(double value);
}

/// <summary>A counter's or gauge's value: measurements add up (counters, up-down counters) or replace it (observed
/// values, which are already totals or current levels).</summary>
internal sealed class ScalarSeries(bool cumulative) : MetricSeries
{
    private double _value;

    public double Value => Volatile.Read(ref _value);

    public override void Record(double value)
    {
        if (!cumulative)
        {
            Volatile.Write(ref _value, value);
            return;
        }

        var current = Volatile.Read(ref _value);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _value, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>A histogram's buckets (counts per upper bound, not yet cumulative), sum and count.</summary>
internal sealed class HistogramSeries(IReadOnlyList<double> bounds) : MetricSeries
{
    private readonly long[] _counts = new long[bounds.Count + 1];
    private readonly Lock _gate = new();
    private double _sum;
    private long _count;

    public IReadOnlyList<double> Bounds => bounds;

    public override void Record(double value)
    {
        // The first bound at or above the value (Prometheus buckets are "less than or equal"); the last slot is +Inf.
        var index = 0;
        while (index < bounds.Count && value > bounds[index])
        {
            index++;
        }

        lock (_gate)
        {
            _counts[index]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>A consistent copy: counts per bucket (the last one +Inf), sum and count.</summary>
    public (long[] Counts, double Sum, long Count) Snapshot()
    {
        lock (_gate)
        {
            return ([.. _counts], _sum, _count);
        }
    }
}
