using System.Diagnostics;
using System.Diagnostics.Metrics;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd;

/// <summary>
/// What the node measures of the URBs its devices serve, for the usbipd endpoint and mesh sessions alike (both go
/// through <see cref="UrbExchange"/>): URBs and bytes by device and direction, failures by status, round trips.
/// </summary>
internal static class UrbMetrics
{
    /// <summary>The node's meter name; the exporter collects every meter of this name.</summary>
    public const string MeterName = "UsbMesh";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Urbs = Meter.CreateCounter<long>("usbmesh.urbs", "{urb}", "URBs answered, by device and direction.");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("usbmesh.urb.bytes", "By", "Bytes the answered URBs moved, by device and direction.");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("usbmesh.urb.errors", "{urb}", "URBs answered with an error, by device, direction and errno.");

    // From a keystroke's interrupt transfer on a local gadget (tens of microseconds) to a bulk transfer over a slow
    // link; an interrupt IN URB also waits for the device to have something, so the top buckets fill too.
    private static readonly Histogram<double> Duration = Meter.CreateHistogram("usbmesh.urb.duration", "s",
        "URB round trips from submit to answer, by device and direction.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Counts one answered URB; <paramref name="started"/> is its submit's <see cref="Stopwatch"/> timestamp.</summary>
    public static void Answered(string device, UsbIpDirection direction, int status, int bytes, long started)
    {
        if (!Urbs.Enabled)
        {
            return;
        }

        var way = direction == UsbIpDirection.In ? "in" : "out";
        var tags = new TagList { { "device", device }, { "direction", way } };
        Urbs.Add(1, tags);
        Bytes.Add(bytes, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        if (status != 0)
        {
            Errors.Add(1, new TagList { { "device", device }, { "direction", way }, { "status", ErrnoName(status) } });
        }
    }

    /// <summary>A URB status as its errno name (<c>EPIPE</c> for −32), a fixed set whatever a device reports.</summary>
    internal static string ErrnoName(int status) => -status switch
    {
        LinuxErrno.ENOENT => "ENOENT",
        LinuxErrno.ENODEV => "ENODEV",
        LinuxErrno.EPIPE => "EPIPE",
        LinuxErrno.ETIME => "ETIME",
        LinuxErrno.ENOSR => "ENOSR",
        LinuxErrno.ECOMM => "ECOMM",
        LinuxErrno.EPROTO => "EPROTO",
        LinuxErrno.EOVERFLOW => "EOVERFLOW",
        LinuxErrno.EILSEQ => "EILSEQ",
        LinuxErrno.ECONNRESET => "ECONNRESET",
        LinuxErrno.ESHUTDOWN => "ESHUTDOWN",
        LinuxErrno.ETIMEDOUT => "ETIMEDOUT",
        LinuxErrno.EINPROGRESS => "EINPROGRESS",
        LinuxErrno.EREMOTEIO => "EREMOTEIO",
        _ => "other",
    };
}
