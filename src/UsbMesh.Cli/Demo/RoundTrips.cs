namespace UsbMesh.Cli.Demo;

/// <summary>Round-trip times in µs and their percentiles.</summary>
internal sealed class RoundTrips(List<double> microseconds)
{
    public int Count => microseconds.Count;

    /// <summary>The value below which <paramref name="fraction"/> of the times fall (nearest rank).</summary>
    public double Percentile(double fraction)
    {
        if (microseconds.Count == 0)
        {
            return double.NaN;
        }

        var sorted = microseconds.Order().ToList();
        var rank = (int)Math.Ceiling(fraction * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    public string Describe() => FormattableString.Invariant($"p50 {Percentile(0.5):F0} µs, p99 {Percentile(0.99):F0} µs");
}
