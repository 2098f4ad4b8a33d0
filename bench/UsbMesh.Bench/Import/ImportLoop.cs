using System.Diagnostics;
using System.Globalization;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Bench.Import;

/// <summary>
/// <c>import loop &lt;out|in|interrupt&gt; [seconds] [relay]</c>: only the import path, in a loop, one line per second: a
/// steady workload to attach a profiler to (<c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>), with no baseline
/// running beside it; with <c>relay</c>, through a relay (<see cref="ImportRoute.ThroughRelay"/>). Bulk runs 64 KiB URBs with 32 in flight; interrupt runs 64-byte round trips one at a time.
/// </summary>
internal static class ImportLoop
{
    private const int BulkLength = 64 * 1024;
    private const int UrbsPerStep = 256;

    public static int Run(string[] args)
    {
        var kind = args.Length > 2 ? args[2] : "";
        var seconds = args.Length > 3 && int.TryParse(args[3], CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 20;
        var route = args.Length > 4 && args[4] == "relay" ? ImportRoute.ThroughRelay : ImportRoute.Direct;
        UrbRequest? request = kind switch
        {
            "out" => UrbRequest.BulkOut(1, new byte[BulkLength]),
            "in" => UrbRequest.BulkIn(1, BulkLength),
            "interrupt" => UrbRequest.InterruptIn(2, 64, 1),
            _ => null,
        };
        if (request is null)
        {
            Console.Error.WriteLine("usage: import loop <out|in|interrupt> [seconds] [relay]");
            return 2;
        }

        return RunAsync(request, seconds, route).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(UrbRequest request, int seconds, ImportRoute route)
    {
        await using var nodes = await ImportNodes.StartAsync(BulkLength, route);
        await using var client = await UsbIpClient.ImportAsync(nodes.UsbipdEndpoint, ImportNodes.ImportedBusId);
        nodes.CheckRoute();
        Console.WriteLine($"# process {Environment.ProcessId}: {request.TransferType} {request.Direction} of {request.TransferLength} B for {seconds} s, {route}");
        var inFlight = request.TransferType == TransferType.Bulk ? 32 : 1;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            var second = Stopwatch.StartNew();
            var cpu = Environment.CpuUsage.TotalTime;
            long urbs = 0;
            while (second.ElapsedMilliseconds < 1000)
            {
                await ImportedUrbs.RunAsync(client, request, UrbsPerStep, inFlight);
                urbs += UrbsPerStep;
            }

            var bytes = (double)urbs * request.TransferLength;
            Console.WriteLine(FormattableString.Invariant(
                $"{urbs / second.Elapsed.TotalSeconds:F0} URB/s, {bytes / second.Elapsed.TotalSeconds / 1e6:F0} MB/s, {second.Elapsed.TotalMicroseconds / urbs:F1} µs/URB, CPU {(Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / urbs:F1} µs/URB"));
        }

        return 0;
    }
}
