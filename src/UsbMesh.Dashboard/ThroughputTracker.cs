using System.Globalization;

namespace UsbMesh.Dashboard;

/// <summary>
/// Turns the byte counters of <c>sessions list</c> (totals since each session began) into rates: each reading is
/// kept for a few seconds, and a session's rate is what it moved between its oldest and newest reading in that
/// window. Readings from several pollers (browser tabs) only add points.
/// </summary>
internal sealed class ThroughputTracker(TimeProvider time)
{
    /// <summary>The window rates are averaged over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    /// <summary>Readings closer together than this give no rate yet (the first poll of a new session).</summary>
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, Queue<Reading>> _readings = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Records the counters of session <paramref name="id"/> and returns its rates in bytes per second, in
    /// and out; null when there is not enough history yet or the counters are not numbers.</summary>
    public (double In, double Out)? Observe(string id, string bytesIn, string bytesOut)
    {
        if (!long.TryParse(bytesIn, NumberStyles.None, CultureInfo.InvariantCulture, out var inBytes)
            || !long.TryParse(bytesOut, NumberStyles.None, CultureInfo.InvariantCulture, out var outBytes))
        {
            return null;
        }

        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_readings.TryGetValue(id, out var readings))
            {
                _readings[id] = readings = new Queue<Reading>();
            }

            // Counters that went down belong to a new session under the same id: its history starts again.
            if (readings.Count > 0 && (readings.Last().In > inBytes || readings.Last().Out > outBytes))
            {
                readings.Clear();
            }

            readings.Enqueue(new Reading(now, inBytes, outBytes));
            while (readings.Count > 2 && time.GetElapsedTime(readings.Peek().At, now) > Window)
            {
                readings.Dequeue();
            }

            var oldest = readings.Peek();
            var span = time.GetElapsedTime(oldest.At, now);
            return span < Shortest ? null : ((inBytes - oldest.In) / span.TotalSeconds, (outBytes - oldest.Out) / span.TotalSeconds);
        }
    }

    /// <summary>Forgets sessions no longer listed.</summary>
    public void Retain(IReadOnlySet<string> ids)
    {
        lock (_gate)
        {
            foreach (var id in _readings.Keys.Where(id => !ids.Contains(id)).ToList())
            {
                _readings.Remove(id);
            }
        }
    }

    private readonly record struct Reading(long At, long In, long Out);
}
