using System.Diagnostics;
using System.Globalization;
using UsbMesh.Bench.Mesh;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Bench.Import;

/// <summary>
/// <c>import relay [rounds]</c>: the import of <see cref="ImportBench"/> through a relay against the same import made
/// directly, in the same run. Two sets of <see cref="ImportNodes"/> run side by side: hub and desk connected directly,
/// and hub, relay and desk where the desk cannot reach the hub and its session's lanes run end to end encrypted through
/// the relay. A USB/IP client imports <c>hub:1-1</c> from each desk. After a warm-up round of each, the rounds
/// alternate (direct, relayed, direct, …) so outside load hits both; each relayed round is divided by the direct round
/// just before it. Before and after every round each set checks its connections (<see cref="ImportNodes.CheckRoute"/>),
/// so a relayed round cannot have gone over a direct link. Beside the rates, the process's CPU time per payload byte
/// of each path, and of a raw TLS stream in the same direction, says where the relay's extra cost goes.
/// </summary>
internal static class ImportRelayBench
{
    private const int RawWritesPerRound = 2048;

    /// <summary>The throughput target at 32 in flight, relayed against direct.</summary>
    private const double ThroughputTarget = 0.5;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 2 && int.TryParse(args[2], CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 7;
        return RunAsync(rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rounds)
    {
        var total = Stopwatch.StartNew();
        await using var directNodes = await ImportNodes.StartAsync(ImportBench.BulkLength, ImportRoute.Direct);
        await using var relayedNodes = await ImportNodes.StartAsync(ImportBench.BulkLength, ImportRoute.ThroughRelay);
        await using var raw = await RawTlsLimit.StartAsync();
        await using var direct = await UsbIpClient.ImportAsync(directNodes.UsbipdEndpoint, ImportNodes.ImportedBusId);
        await using var relayed = await UsbIpClient.ImportAsync(relayedNodes.UsbipdEndpoint, ImportNodes.ImportedBusId);
        var paths = (Direct: new Path(directNodes, direct), Relayed: new Path(relayedNodes, relayed));
        directNodes.CheckRoute();
        relayedNodes.CheckRoute();

        Console.WriteLine($"# remote import through a relay against the same import made directly, TLS 1.3 on loopback; {rounds} rounds after a warm-up");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"# load average before: {LoadAverage.Read()}");
        Console.WriteLine();

        var met = await ThroughputAsync(paths, raw, rounds);
        Console.WriteLine();
        await RoundTripsAsync(paths, rounds);
        Console.WriteLine();
        Console.WriteLine($"# target bulk at 32 in flight, relayed >= {ThroughputTarget} x direct, both directions: {(met ? "met" : "NOT met")}");
        Console.WriteLine($"# done in {total.Elapsed.TotalSeconds:F0} s, load average after: {LoadAverage.Read()}");
        return 0;
    }

    private static async Task<bool> ThroughputAsync((Path Direct, Path Relayed) paths, RawTlsLimit raw, int rounds)
    {
        var rows = new List<string>();
        var cpuRows = new List<string>();
        var met = true;
        foreach (var (name, request, inFlight, count) in ImportedUrbs.BulkCases(ImportBench.BulkLength))
        {
            var towardsClient = request.Direction == UsbDirection.In;
            var (directRates, relayedRates, directCpu, relayedCpu, rawCpu) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            for (var round = -1; round < rounds; round++)
            {
                var (_, rawNs) = await ImportBench.PerByteAsync(RawWritesPerRound, () => raw.StreamAsync(towardsClient, RawWritesPerRound));
                var (directRate, directNs) = await paths.Direct.BulkAsync(request, count, inFlight);
                var (relayedRate, relayedNs) = await paths.Relayed.BulkAsync(request, count, inFlight);
                Console.WriteLine(FormattableString.Invariant(
                    $"{name} x{inFlight} {(round < 0 ? "warm-up" : $"round {round + 1}")}: direct {directRate:F0} MB/s {directNs:F2} ns/B, relayed {relayedRate:F0} MB/s {relayedNs:F2} ns/B, ratio {relayedRate / directRate:F2}; raw TLS {rawNs:F2} ns/B"));
                if (round >= 0)
                {
                    directRates.Add(directRate);
                    relayedRates.Add(relayedRate);
                    directCpu.Add(directNs);
                    relayedCpu.Add(relayedNs);
                    rawCpu.Add(rawNs);
                }
            }

            var perRound = relayedRates.Zip(directRates, (r, d) => r / d).ToList();
            var ratio = RoundTrips.Median(perRound);
            if (inFlight == 32)
            {
                met &= ratio >= ThroughputTarget;
            }

            rows.Add(FormattableString.Invariant(
                $"| {name} | {inFlight} | {RoundTrips.Median(directRates):F0} | {RoundTrips.Median(relayedRates):F0} | {relayedRates.Min():F0}–{relayedRates.Max():F0} | {ratio:F2} | {perRound.Min():F2}–{perRound.Max():F2} |"));
            var (directNsMedian, relayedNsMedian) = (RoundTrips.Median(directCpu), RoundTrips.Median(relayedCpu));
            cpuRows.Add(FormattableString.Invariant(
                $"| {name} | {inFlight} | {RoundTrips.Median(rawCpu):F2} | {directNsMedian:F2} | {relayedNsMedian:F2} | {relayedNsMedian - directNsMedian:F2} | {directNsMedian / relayedNsMedian:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Bulk, 64 KiB per URB; MB/s = 10^6 B/s of payload, medians over the rounds; ratio = relayed ÷ the direct round just before, median and min–max:");
        Console.WriteLine();
        Console.WriteLine("| Transfer | In flight | Direct MB/s | Relayed MB/s | Relayed min–max | **Relayed ÷ direct** | per round, min–max |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("CPU time of this process (every thread, user and kernel) per payload byte, medians over the rounds; raw TLS is a one-way");
        Console.WriteLine("stream of 64 KiB writes in the same direction (one TLS hop, for scale); the last column is the throughput the CPU costs predict:");
        Console.WriteLine();
        Console.WriteLine("| Transfer | In flight | Raw TLS ns/B | Direct ns/B | Relayed ns/B | Relay's extra ns/B | Direct ÷ relayed ns/B |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        cpuRows.ForEach(Console.WriteLine);
        return met;
    }

    private static async Task RoundTripsAsync((Path Direct, Path Relayed) paths, int rounds)
    {
        var request = UrbRequest.InterruptIn(2, ImportBench.InterruptLength, 1);
        var (directTrips, relayedTrips, ratios) = (new List<double>(), new List<double>(), new List<double>());
        for (var round = -1; round < rounds; round++)
        {
            var directRound = await paths.Direct.RoundTripsAsync(request);
            var relayedRound = await paths.Relayed.RoundTripsAsync(request);
            var (directP50, relayedP50) = (RoundTrips.Median(directRound), RoundTrips.Median(relayedRound));
            Console.WriteLine(FormattableString.Invariant(
                $"Interrupt IN {(round < 0 ? "warm-up" : $"round {round + 1}")}: direct p50 {directP50:F1} µs p99 {RoundTrips.Percentile(directRound, 0.99):F1} µs, relayed p50 {relayedP50:F1} µs p99 {RoundTrips.Percentile(relayedRound, 0.99):F1} µs, ratio p50 {relayedP50 / directP50:F2}"));
            if (round >= 0)
            {
                directTrips.AddRange(directRound);
                relayedTrips.AddRange(relayedRound);
                ratios.Add(relayedP50 / directP50);
            }
        }

        var (directP99, relayedP99) = (RoundTrips.Percentile(directTrips, 0.99), RoundTrips.Percentile(relayedTrips, 0.99));
        Console.WriteLine();
        Console.WriteLine($"Interrupt IN round trips, 64 B, one at a time ({directTrips.Count:N0} each); ratio p50 = relayed ÷ direct round medians, median and min–max:");
        Console.WriteLine();
        Console.WriteLine("| Path | p50 µs | p99 µs | **Relayed ÷ direct p50** | per round, min–max | Ratio p99 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(FormattableString.Invariant($"| direct | {RoundTrips.Median(directTrips):F1} | {directP99:F1} | 1.00 | | 1.00 |"));
        Console.WriteLine(FormattableString.Invariant(
            $"| through the relay | {RoundTrips.Median(relayedTrips):F1} | {relayedP99:F1} | {RoundTrips.Median(ratios):F2} | {ratios.Min():F2}–{ratios.Max():F2} | {relayedP99 / directP99:F2} |"));
    }

    /// <summary>One imported device and the nodes behind it; every measurement is framed by a check of the route.</summary>
    private sealed record Path(ImportNodes Nodes, UsbIpClientConnection Client)
    {
        public async Task<(double Rate, double CpuNs)> BulkAsync(UrbRequest request, int count, int inFlight)
        {
            Nodes.CheckRoute();
            var measured = await ImportBench.PerByteAsync(count, () => ImportedUrbs.RunAsync(Client, request, count, inFlight));
            Nodes.CheckRoute();
            return measured;
        }

        public async Task<List<double>> RoundTripsAsync(UrbRequest request)
        {
            Nodes.CheckRoute();
            var trips = await ImportedUrbs.RoundTripsAsync(Client, request);
            Nodes.CheckRoute();
            return trips;
        }
    }
}
