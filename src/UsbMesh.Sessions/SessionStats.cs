using System.Diagnostics;

namespace UsbMesh.Sessions;

/// <summary>
/// What one session has carried, for operators: URBs completed, bytes each way (USB/IP messages on its lanes) and the
/// mean URB time of the last few seconds. Written by the session's actor, read by whoever lists sessions.
/// </summary>
public sealed class SessionStats
{
    /// <summary>The latency is the mean over the current window and the one before it.</summary>
    private static readonly long Window = Stopwatch.Frequency * 2;

    private readonly Lock _gate = new();
    private long _urbs;
    private long _bytesIn;
    private long _bytesOut;
    private long _windowStart = Stopwatch.GetTimestamp();
    private double _sum;
    private int _count;
    private double _previousSum;
    private int _previousCount;
    private volatile string _state = "opening";

    /// <summary>When the session began.</summary>
    public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;

    /// <summary>"opening", "up", "resuming" (its link broke; within the grace period) or "closing".</summary>
    public string State
    {
        get => _state;
        set => _state = value;
    }

    public long Urbs => Interlocked.Read(ref _urbs);

    /// <summary>Bytes received from the other node.</summary>
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>Bytes sent to the other node.</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>The mean URB time of the last 2 to 4 seconds, in milliseconds; null when none completed then.</summary>
    public double? LatencyMs
    {
        get
        {
            lock (_gate)
            {
                Rotate(Stopwatch.GetTimestamp());
                var count = _count + _previousCount;
                return count == 0 ? null : (_sum + _previousSum) / count;
            }
        }
    }

    public void Received(int bytes) => Interlocked.Add(ref _bytesIn, bytes);

    public void Sent(int bytes) => Interlocked.Add(ref _bytesOut, bytes);

    /// <summary>A URB completed, <paramref name="startedAt"/> being its <see cref="Stopwatch.GetTimestamp"/> when it began.</summary>
    public void Completed(long startedAt)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _urbs);
        lock (_gate)
        {
            Rotate(now);
            _sum += Stopwatch.GetElapsedTime(startedAt, now).TotalMilliseconds;
            _count++;
        }
    }

    private void Rotate(long now)
    {
        if (now - _windowStart < Window)
        {
            return;
        }

        var stale = now - _windowStart >= 2 * Window;
        (_previousSum, _previousCount) = stale ? (0, 0) : (_sum, _count);
        (_sum, _count) = (0, 0);
        _windowStart = now;
    }
}
