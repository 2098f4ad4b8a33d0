using System.Diagnostics;
using System.Globalization;
using System.Net;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Usbipd;
using UsbipdProtocol = UsbMesh.Usbipd.Usbipd;

namespace UsbMesh.Bench.UsbIp;

/// <summary>
/// <c>usbip [rounds]</c>: the usbipd endpoint on loopback against raw TCP on loopback, in one process and one run.
/// A sink/source device is exported through <see cref="UsbipdListener"/> on a free port of 127.0.0.1 and imported by
/// <see cref="UsbIpBenchClient"/>; <see cref="RawTcpServer"/> and <see cref="RawTcpClient"/> are the baseline. Every
/// measurement alternates rounds of the two (raw, USB/IP, raw, USB/IP, …) after one warm-up round each, so a change in
/// outside load hits both sides (the throughput rounds also alternate with a plain one-way stream); the tables show
/// medians over the rounds and the ratio of the medians.
/// </summary>
/// <remarks>
/// A custom loop and not BenchmarkDotNet: latency percentiles need every round trip, and the interleaving of the
/// baseline with the measured path within one process is what makes the ratios comparable under outside load.
/// </remarks>
internal static class UsbIpEndpointBench
{
    private const int BulkLength = 64 * 1024;
    private const int InterruptLength = 64;
    private const int RoundTripsPerRound = 4_000;
    private const string BusId = "1-1";

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 5;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        var system = KernelSystems.Create("usbip-bench");
        try
        {
            var endpoint = await StartExporterAsync(system).ConfigureAwait(false);
            await using var raw = new RawTcpServer(BulkLength);
            await using var rawClient = await RawTcpClient.ConnectAsync(raw.Endpoint, BulkLength).ConfigureAwait(false);
            await using var usbip = await UsbIpBenchClient.ImportAsync(endpoint, BusId, BulkLength).ConfigureAwait(false);

            Console.WriteLine($"# USB/IP endpoint on loopback: {rounds} rounds per figure, load average before: {LoadAverage.Read()}");
            Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}");
            Console.WriteLine();

            var total = Stopwatch.StartNew();
            await LatencyAsync(rawClient, usbip, rounds).ConfigureAwait(false);
            Console.WriteLine();
            await ThroughputAsync(rawClient, usbip, rounds).ConfigureAwait(false);
            Console.WriteLine();
            Console.WriteLine($"# done in {total.Elapsed.TotalSeconds:F0} s, load average after: {LoadAverage.Read()}");
            return 0;
        }
        finally
        {
            KernelSystems.Shutdown(system);
        }
    }

    private static async Task<IPEndPoint> StartExporterAsync(ActorSystem system)
    {
        var timeout = TimeSpan.FromSeconds(10);
        var backend = new SinkSourceDevice(BulkLength);
        var exports = system.ActorOf(ExportsActor.Props(), "exports");
        var device = system.ActorOf(UsbDeviceActor.Props(backend), "dev-1-1");
        await exports.Ask<Exports.Registered>(
            new Exports.Register(new ExportedDevice(BusId, "/sys/devices/platform/usbmesh/1-1", 1, 2, device)), timeout).ConfigureAwait(false);
        var settings = UsbipdSettings.Default with { Enabled = true, Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        var listener = system.ActorOf(UsbipdListener.Props(exports, settings), "usbipd");
        var bound = await listener.Ask<UsbipdProtocol.Bound>(UsbipdProtocol.GetBinding.Instance, timeout).ConfigureAwait(false);
        return bound.Endpoint ?? throw new InvalidOperationException("usbipd did not bind");
    }

    private static async Task LatencyAsync(RawTcpClient raw, UsbIpBenchClient usbip, int rounds)
    {
        var interrupt = new Transfer(TransferKind.InterruptIn, InterruptLength);
        var rawTicks = new long[rounds * RoundTripsPerRound];
        var usbipTicks = new long[rounds * RoundTripsPerRound];
        var scratch = new long[RoundTripsPerRound];
        await raw.RoundTripsAsync(interrupt, scratch).ConfigureAwait(false);
        await usbip.RoundTripsAsync(interrupt, scratch).ConfigureAwait(false);
        for (var i = 0; i < rounds; i++)
        {
            await raw.RoundTripsAsync(interrupt, scratch).ConfigureAwait(false);
            scratch.CopyTo(rawTicks, i * RoundTripsPerRound);
            await usbip.RoundTripsAsync(interrupt, scratch).ConfigureAwait(false);
            scratch.CopyTo(usbipTicks, i * RoundTripsPerRound);
        }

        Array.Sort(rawTicks);
        Array.Sort(usbipTicks);
        Console.WriteLine($"Round trips, one at a time ({rawTicks.Length:N0} each):");
        Console.WriteLine();
        Console.WriteLine("| Path | p50 µs | p99 µs | mean µs | p50 ratio | p99 ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| Raw TCP ping-pong, 64 B each way (baseline) | {Us(Percentile(rawTicks, 0.50)):F1} | {Us(Percentile(rawTicks, 0.99)):F1} | {Us(Mean(rawTicks)):F1} | 1.00 | 1.00 |");
        Console.WriteLine(
            $"| **USB/IP interrupt IN, 64 B** | {Us(Percentile(usbipTicks, 0.50)):F1} | {Us(Percentile(usbipTicks, 0.99)):F1} | {Us(Mean(usbipTicks)):F1} " +
            $"| **{(double)Percentile(usbipTicks, 0.50) / Percentile(rawTicks, 0.50):F2}** | {(double)Percentile(usbipTicks, 0.99) / Percentile(rawTicks, 0.99):F2} |");
    }

    private static async Task ThroughputAsync(RawTcpClient raw, UsbIpBenchClient usbip, int rounds)
    {
        Console.WriteLine($"Bulk, 64 KiB per URB / message; MB/s = 10^6 B/s of payload; medians over {rounds} rounds:");
        Console.WriteLine();
        Console.WriteLine("| Transfer | In flight | Raw one-way stream MB/s | Raw same framing MB/s | USB/IP MB/s | USB/IP ÷ raw stream | USB/IP ÷ raw same framing | per-round ÷ stream, min–max |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var kind in new[] { TransferKind.BulkIn, TransferKind.BulkOut })
        {
            foreach (var window in new[] { 1, 8, 32 })
            {
                var transfer = new Transfer(kind, BulkLength);
                var count = window == 1 ? 1_000 : 3_000;
                await raw.StreamAsync(BulkLength, count / 4).ConfigureAwait(false);
                await raw.RunAsync(transfer, count / 4, window).ConfigureAwait(false);
                await usbip.RunAsync(transfer, count / 4, window).ConfigureAwait(false);
                var streamRates = new List<double>();
                var rawRates = new List<double>();
                var usbipRates = new List<double>();
                for (var i = 0; i < rounds; i++)
                {
                    streamRates.Add(MegabytesPerSecond(count, await raw.StreamAsync(BulkLength, count).ConfigureAwait(false)));
                    rawRates.Add(MegabytesPerSecond(count, await raw.RunAsync(transfer, count, window).ConfigureAwait(false)));
                    usbipRates.Add(MegabytesPerSecond(count, await usbip.RunAsync(transfer, count, window).ConfigureAwait(false)));
                }

                var streamMedian = Median(streamRates);
                var rawMedian = Median(rawRates);
                var usbipMedian = Median(usbipRates);
                var paired = usbipRates.Zip(streamRates, (u, r) => u / r).ToList();
                var name = kind == TransferKind.BulkIn ? "Bulk IN" : "Bulk OUT";
                Console.WriteLine(
                    $"| {name} | {window} | {streamMedian:F0} | {rawMedian:F0} | {usbipMedian:F0} | {usbipMedian / streamMedian:F2} | {usbipMedian / rawMedian:F2} | {paired.Min():F2}–{paired.Max():F2} |");
            }
        }
    }

    private static double MegabytesPerSecond(int urbs, TimeSpan elapsed) => (double)urbs * BulkLength / elapsed.TotalSeconds / 1e6;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static long Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Mean(long[] values) => values.Average();

    private static double Us(double ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
