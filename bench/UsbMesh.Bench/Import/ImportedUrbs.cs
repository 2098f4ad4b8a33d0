using System.Diagnostics;
using UsbMesh.Bench.Mesh;
using UsbMesh.Usb;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Bench.Import;

/// <summary>
/// Drives the imported device through the USB/IP client: a number of URBs with a fixed number in flight (one loop
/// per slot, each submitting its next URB when the last one completes), or interrupt IN round trips one at a time.
/// Every result is checked, so a failing path cannot pass for a fast one.
/// </summary>
internal static class ImportedUrbs
{
    /// <summary>The bulk cases of the import benchmarks: OUT and IN URBs of <paramref name="length"/> bytes at 1, 8 and
    /// 32 in flight, with the number of URBs in a round.</summary>
    public static IEnumerable<(string Name, UrbRequest Request, int InFlight, int Count)> BulkCases(int length)
    {
        foreach (var (name, request) in new[] { ("Bulk OUT", UrbRequest.BulkOut(1, new byte[length])), ("Bulk IN", UrbRequest.BulkIn(1, length)) })
        {
            foreach (var inFlight in new[] { 1, 8, 32 })
            {
                // One URB at a time is bound by round trips: fewer of them keep the round as long as the others.
                yield return (name, request, inFlight, inFlight == 1 ? 512 : 2048);
            }
        }
    }

    /// <summary>The time <paramref name="count"/> copies of <paramref name="request"/> take, <paramref name="inFlight"/> at a time.</summary>
    public static async Task<TimeSpan> RunAsync(UsbIpClientConnection connection, UrbRequest request, int count, int inFlight)
    {
        var remaining = count;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                Check(await connection.SubmitAsync(request), request);
            }
        })));
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary><see cref="RoundTrips.PerRound"/> submissions of <paramref name="request"/>, one at a time; each in µs.</summary>
    public static async Task<List<double>> RoundTripsAsync(UsbIpClientConnection connection, UrbRequest request)
    {
        var trips = new List<double>(RoundTrips.PerRound);
        for (var i = 0; i < RoundTrips.PerRound; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await connection.SubmitAsync(request);
            trips.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            Check(result, request);
        }

        return trips;
    }

    private static void Check(UrbResult result, UrbRequest request)
    {
        result.InDataRelease?.Dispose();
        if (result.Status != UrbStatus.Completed || result.ActualLength != request.TransferLength)
        {
            throw new InvalidOperationException($"URB to endpoint 0x{request.EndpointAddress:x2} ended {result.Status} after {result.ActualLength} of {request.TransferLength} bytes");
        }
    }
}
