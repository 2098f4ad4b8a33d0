using System.Diagnostics;

namespace UsbMesh.Bench.Mesh;

/// <summary>64-byte ping-pong over any byte stream (raw TLS or a lane), and the percentiles of its round trips.</summary>
internal static class RoundTrips
{
    public const int PerRound = 2_000;

    public const int MessageSize = 64;

    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 0.5);

    public static double Percentile(IReadOnlyCollection<double> values, double rank)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * rank))];
    }

    /// <summary>Sends every 64 bytes it reads straight back, for ever (the process ends it).</summary>
    public static Task EchoAsync(Func<Memory<byte>, ValueTask<int>> read, Func<ReadOnlyMemory<byte>, ValueTask> write) => Task.Run(async () =>
    {
        var buffer = new byte[MessageSize];
        while (true)
        {
            for (var at = 0; at < buffer.Length;)
            {
                at += await read(buffer.AsMemory(at));
            }

            await write(buffer);
        }
    });

    /// <summary><see cref="PerRound"/> round trips of 64 bytes against an echo, one at a time; each in µs.</summary>
    public static async Task<List<double>> MeasureAsync(Func<ReadOnlyMemory<byte>, ValueTask> write, Func<Memory<byte>, ValueTask<int>> read)
    {
        var ping = new byte[MessageSize];
        var pong = new byte[MessageSize];
        var trips = new List<double>(PerRound);
        for (var i = 0; i < PerRound; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await write(ping);
            for (var at = 0; at < pong.Length;)
            {
                at += await read(pong.AsMemory(at));
            }

            trips.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return trips;
    }
}
