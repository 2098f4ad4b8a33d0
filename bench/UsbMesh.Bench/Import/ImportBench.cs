using System.Diagnostics;
using System.Globalization;
using UsbMesh.Bench.Mesh;
using UsbMesh.Bench.UsbIp;
using UsbMesh.Mesh.Mux;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Bench.Import;

/// <summary>
/// <c>import [rounds]</c>: the whole path of a device imported from another node, against raw TLS in the same run.
/// A USB/IP client (<see cref="UsbIpClient"/>, TCP on loopback) imports <c>hub:1-1</c> from the desk's usbipd endpoint;
/// the desk carries every URB over a device session on TLS 1.3 (loopback) to the hub, whose session actor submits it
/// to the device actor of a sink/source gadget (<see cref="ImportNodes"/>). The limits are a one-way stream of 64 KiB
/// writes and a 64-byte ping-pong on identity-bound TLS over loopback (<see cref="RawTlsLimit"/>). After a warm-up
/// round, rounds alternate (raw, import, raw, …) so outside load hits both; the tables show medians, ranges and ratios.
/// A second table gives each path's CPU time per byte, with a raw TCP stream beside them (the client's hop to usbipd):
/// with every hop in one process on a few cores, what a byte costs in CPU bounds the throughput, and that figure moves
/// less with outside load than the rates do.
/// </summary>
internal static class ImportBench
{
    public const int BulkLength = 64 * 1024;
    public const int InterruptLength = 64;
    private const int RawWritesPerRound = 4096;

    /// <summary>The throughput target at 32 in flight and the round-trip target, as ratios against raw TLS.</summary>
    private const double ThroughputTarget = 0.8;
    private const double RoundTripTarget = 2.5;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 5;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        var total = Stopwatch.StartNew();
        await using var nodes = await ImportNodes.StartAsync(BulkLength);
        await using var raw = await RawTlsLimit.StartAsync();
        await using var client = await UsbIpClient.ImportAsync(nodes.UsbipdEndpoint, ImportNodes.ImportedBusId);
        await using var tcpServer = new RawTcpServer(BulkLength);
        await using var tcp = await RawTcpClient.ConnectAsync(tcpServer.Endpoint, BulkLength);

        var mux = new MultiplexerOptions();
        Console.WriteLine($"# remote import over TLS 1.3 on loopback: USB/IP client → usbipd (desk) → device session → sink/source gadget (hub); {rounds} rounds after a warm-up");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, max frame {mux.MaxFrameSize >> 10} KiB, lane window {mux.LaneWindow >> 10} KiB");
        Console.WriteLine($"# load average before: {LoadAverage.Read()}");
        Console.WriteLine();

        var met = await ThroughputAsync(client, raw, tcp, rounds);
        Console.WriteLine();
        met &= await RoundTripsAsync(client, raw, rounds);
        Console.WriteLine();
        Console.WriteLine($"# targets {(met ? "met" : "NOT met")}; done in {total.Elapsed.TotalSeconds:F0} s, load average after: {LoadAverage.Read()}");
        return 0;
    }

    private static async Task<bool> ThroughputAsync(UsbIpClientConnection client, RawTlsLimit raw, RawTcpClient tcp, int rounds)
    {
        Console.WriteLine("Bulk, 64 KiB per URB; MB/s = 10^6 B/s of payload; raw TLS = one-way stream of 64 KiB writes in the same direction:");
        Console.WriteLine();
        Console.WriteLine("| Transfer | In flight | Raw TLS MB/s (median) | Import MB/s (median) | Import MB/s min–max | Ratio of medians | Ratio per round, min–max |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var cpuRows = new List<string>();
        var met = true;
        foreach (var (name, request, inFlight, count) in ImportedUrbs.BulkCases(BulkLength))
        {
            var towardsClient = request.Direction == UsbDirection.In;
            var rawRates = new List<double>();
            var importRates = new List<double>();
            var rawCpu = new List<double>();
            var tcpCpu = new List<double>();
            var importCpu = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var (rawRate, rawNs) = await PerByteAsync(RawWritesPerRound, () => raw.StreamAsync(towardsClient, RawWritesPerRound));
                var (_, tcpNs) = await PerByteAsync(RawWritesPerRound, async () => await tcp.StreamAsync(BulkLength, RawWritesPerRound));
                var (importRate, importNs) = await PerByteAsync(count, async () => await ImportedUrbs.RunAsync(client, request, count, inFlight));
                if (round >= 0)
                {
                    rawRates.Add(rawRate);
                    importRates.Add(importRate);
                    rawCpu.Add(rawNs);
                    tcpCpu.Add(tcpNs);
                    importCpu.Add(importNs);
                }
            }

            var perRound = importRates.Zip(rawRates, (i, r) => i / r).ToList();
            var (rawMedian, importMedian) = (RoundTrips.Median(rawRates), RoundTrips.Median(importRates));
            var ratio = importMedian / rawMedian;
            if (inFlight == 32)
            {
                met &= ratio >= ThroughputTarget;
            }

            Console.WriteLine(FormattableString.Invariant(
                $"| {name} | {inFlight} | {rawMedian:F0} | {importMedian:F0} | {importRates.Min():F0}–{importRates.Max():F0} | {ratio:F2} | {perRound.Min():F2}–{perRound.Max():F2} |"));
            var (tlsNs, tcpNsMedian, importNsMedian) = (RoundTrips.Median(rawCpu), RoundTrips.Median(tcpCpu), RoundTrips.Median(importCpu));
            cpuRows.Add(FormattableString.Invariant(
                $"| {name} | {inFlight} | {tlsNs:F2} | {tcpNsMedian:F2} | {tlsNs + tcpNsMedian:F2} | {importNsMedian:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine("CPU time of this process (every thread, user and kernel) per payload byte, medians over the rounds. The import");
        Console.WriteLine("path crosses two sockets (TCP to usbipd, TLS between the nodes); raw TCP is a one-way stream of 64 KiB chunks:");
        Console.WriteLine();
        Console.WriteLine("| Transfer | In flight | Raw TLS ns/B | Raw TCP ns/B | Both hops ns/B | Import ns/B |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        cpuRows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine($"# target bulk at 32 in flight >= {ThroughputTarget} x raw TLS, both directions: {(met ? "met" : "NOT met")}");
        return met;
    }

    /// <summary>The payload rate in MB/s and the process's CPU time per payload byte in ns of <paramref name="run"/>, which moves
    /// <paramref name="chunks"/> chunks of 64 KiB.</summary>
    public static async Task<(double Rate, double CpuNs)> PerByteAsync(int chunks, Func<Task<TimeSpan>> run)
    {
        var bytes = (double)chunks * BulkLength;
        var cpu = Environment.CpuUsage.TotalTime;
        var elapsed = await run();
        return (bytes / elapsed.TotalSeconds / 1e6, (Environment.CpuUsage.TotalTime - cpu).TotalNanoseconds / bytes);
    }

    private static async Task<bool> RoundTripsAsync(UsbIpClientConnection client, RawTlsLimit raw, int rounds)
    {
        var request = UrbRequest.InterruptIn(2, InterruptLength, 1);
        var rawTrips = new List<double>();
        var importTrips = new List<double>();
        var rawMedians = new List<double>();
        var importMedians = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var rawRound = await raw.PingPongAsync();
            var importRound = await ImportedUrbs.RoundTripsAsync(client, request);
            if (round >= 0)
            {
                rawTrips.AddRange(rawRound);
                importTrips.AddRange(importRound);
                rawMedians.Add(RoundTrips.Median(rawRound));
                importMedians.Add(RoundTrips.Median(importRound));
            }
        }

        var (rawP50, importP50) = (RoundTrips.Median(rawTrips), RoundTrips.Median(importTrips));
        var (rawP99, importP99) = (RoundTrips.Percentile(rawTrips, 0.99), RoundTrips.Percentile(importTrips, 0.99));
        var met = importP50 <= RoundTripTarget * rawP50;
        Console.WriteLine($"Round trips, one at a time ({rawTrips.Count:N0} each):");
        Console.WriteLine();
        Console.WriteLine("| Path | p50 µs | p99 µs | p50 per round, min–max | Ratio p50 | Ratio p99 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(FormattableString.Invariant(
            $"| raw TLS ping-pong, 64 B each way | {rawP50:F1} | {rawP99:F1} | {rawMedians.Min():F1}–{rawMedians.Max():F1} | 1.00 | 1.00 |"));
        Console.WriteLine(FormattableString.Invariant(
            $"| imported interrupt IN, 64 B | {importP50:F1} | {importP99:F1} | {importMedians.Min():F1}–{importMedians.Max():F1} | {importP50 / rawP50:F2} | {importP99 / rawP99:F2} |"));
        Console.WriteLine();
        Console.WriteLine($"# target interrupt IN p50 <= {RoundTripTarget} x raw TLS p50: {(met ? "met" : "NOT met")}");
        return met;
    }
}
