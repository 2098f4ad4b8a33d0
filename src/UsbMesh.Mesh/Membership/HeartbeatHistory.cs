namespace UsbMesh.Mesh.Membership;

/// <summary>
/// The last heartbeat intervals (milliseconds) with their running sum and sum of squares, so the mean and variance
/// cost nothing to read however many samples are kept. Not thread-safe: its detector guards it.
/// </summary>
internal sealed class HeartbeatHistory(int maxSampleSize)
{
    private readonly Queue<double> _intervals = new();
    private double _sum;
    private double _squaredSum;

    public int Count => _intervals.Count;

    public double Mean => _sum / _intervals.Count;

    // Sums of squares lose a little precision; a variance a hair below zero is a rounding error, not a signal.
    public double Variance => Math.Max(0, (_squaredSum / _intervals.Count) - (Mean * Mean));

    public double StdDeviation => Math.Sqrt(Variance);

    public void Add(double interval)
    {
        if (_intervals.Count >= maxSampleSize)
        {
            var oldest = _intervals.Dequeue();
            _sum -= oldest;
            _squaredSum -= oldest * oldest;
        }

        _intervals.Enqueue(interval);
        _sum += interval;
        _squaredSum += interval * interval;
    }
}
