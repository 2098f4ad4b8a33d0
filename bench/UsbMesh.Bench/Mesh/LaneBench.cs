using System.Diagnostics;
using System.Globalization;
using UsbMesh.Mesh.Mux;

namespace UsbMesh.Bench.Mesh;

/// <summary>
/// <c>lanes [rounds]</c>: bytes through one multiplexer lane over identity-bound TLS on loopback, against the same
/// bytes through a raw TLS stream (the limit) in the same run. Rounds alternate (raw, lane, raw, lane, …) after one
/// warm-up round each, so outside load hits both; each round's figures are printed, the table shows medians and
/// ranges, and the ratio is the median of the per-round ratios. Both paths get the same 64 KiB writes and reads.
/// </summary>
internal static class LaneBench
{
    private const int WriteSize = 64 * 1024;
    private const int BytesPerRound = 256 << 20;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 5;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        await using var raw = await TlsPair.ConnectAsync();
        await using var muxed = await TlsPair.ConnectAsync();
        var options = new MultiplexerOptions();
        await using var sender = new Multiplexer(muxed.Client.Stream, options, initiator: true);
        await using var receiver = new Multiplexer(muxed.Server.Stream, options, initiator: false);
        sender.Start();
        receiver.Start();
        var lane = sender.OpenLane();
        await lane.WriteAsync(new byte[1]);
        var remote = await receiver.AcceptLaneAsync();
        await remote.ReadAsync(new byte[1]);

        Console.WriteLine($"# lane throughput over TLS 1.3 on loopback: {rounds} rounds of {BytesPerRound >> 20} MiB in {WriteSize >> 10} KiB writes");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, max frame {options.MaxFrameSize >> 10} KiB, lane window {options.LaneWindow >> 10} KiB");
        var rawRates = new List<double>();
        var laneRates = new List<double>();
        var ratios = new List<double>();
        var rawCpu = new List<double>();
        var laneCpu = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var (rawRate, rawNs) = await MeasureAsync(data => raw.Client.Stream.WriteAsync(data), raw.Server.Stream.ReadAsync);
            var (laneRate, laneNs) = await MeasureAsync(data => lane.WriteAsync(data), remote.ReadAsync);
            Console.WriteLine($"# {(round < 0 ? "warm-up" : $"round {round + 1}")}: raw {rawRate:F0} MB/s ({rawNs:F2} CPU ns/B), lane {laneRate:F0} MB/s ({laneNs:F2} CPU ns/B), ratio {laneRate / rawRate:F2}");
            if (round >= 0)
            {
                rawRates.Add(rawRate);
                laneRates.Add(laneRate);
                ratios.Add(laneRate / rawRate);
                rawCpu.Add(rawNs);
                laneCpu.Add(laneNs);
            }
        }

        // The ratio of neighbouring rounds cancels most outside load (it hits both); its median is the figure to read.
        var rawMedian = RoundTrips.Median(rawRates);
        var laneMedian = RoundTrips.Median(laneRates);
        Console.WriteLine();
        Console.WriteLine("| Path | MB/s (median) | MB/s (range) | Ratio (median of rounds) | Ratio (range) | CPU ns/B (median) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| raw TLS stream | {rawMedian:F0} | {rawRates.Min():F0}–{rawRates.Max():F0} | 1.00 | | {RoundTrips.Median(rawCpu):F2} |");
        Console.WriteLine($"| one lane, multiplexed | {laneMedian:F0} | {laneRates.Min():F0}–{laneRates.Max():F0} | {RoundTrips.Median(ratios):F2} | {ratios.Min():F2}–{ratios.Max():F2} | {RoundTrips.Median(laneCpu):F2} |");

        // Ping-pong: 64 bytes there and back, one at a time, on the same connections.
        var echoRaw = RoundTrips.EchoAsync(b => raw.Server.Stream.ReadAsync(b), b => raw.Server.Stream.WriteAsync(b));
        var echoLane = RoundTrips.EchoAsync(b => remote.ReadAsync(b), b => remote.WriteAsync(b));
        var rawTrips = new List<double>();
        var laneTrips = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var rawRound = await RoundTrips.MeasureAsync(b => raw.Client.Stream.WriteAsync(b), b => raw.Client.Stream.ReadAsync(b));
            var laneRound = await RoundTrips.MeasureAsync(b => lane.WriteAsync(b), b => lane.ReadAsync(b));
            if (round >= 0)
            {
                rawTrips.AddRange(rawRound);
                laneTrips.AddRange(laneRound);
            }
        }

        var rawP50 = RoundTrips.Median(rawTrips);
        var laneP50 = RoundTrips.Median(laneTrips);
        Console.WriteLine();
        Console.WriteLine($"| Path | 64 B round trip p50 (µs) | p99 (µs) | Ratio p50 |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| raw TLS stream | {rawP50:F0} | {RoundTrips.Percentile(rawTrips, 0.99):F0} | 1.00 |");
        Console.WriteLine($"| one lane, multiplexed | {laneP50:F0} | {RoundTrips.Percentile(laneTrips, 0.99):F0} | {laneP50 / rawP50:F2} |");
        GC.KeepAlive((echoRaw, echoLane));
        return 0;
    }

    /// <returns>MB/s, and the process's CPU time per byte (every thread: both ends of the connection).</returns>
    private static async Task<(double Rate, double CpuNs)> MeasureAsync(Func<ReadOnlyMemory<byte>, ValueTask> write, Func<Memory<byte>, CancellationToken, ValueTask<int>> read)
    {
        var data = new byte[WriteSize];
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var writing = Task.Run(async () =>
        {
            for (var sent = 0; sent < BytesPerRound; sent += WriteSize)
            {
                await write(data);
            }
        });
        var buffer = new byte[WriteSize];
        for (long received = 0; received < BytesPerRound;)
        {
            received += await read(buffer, default);
        }

        await writing;
        return (BytesPerRound / clock.Elapsed.TotalSeconds / 1e6, (Environment.CpuUsage.TotalTime - cpu).TotalNanoseconds / BytesPerRound);
    }
}
