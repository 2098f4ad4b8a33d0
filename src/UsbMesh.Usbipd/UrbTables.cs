using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace UsbMesh.Usbipd;

/// <summary>
/// The URB tables of the node's live connections and sessions (URBs handed on and not answered yet), read by the
/// gauge <c>usbmesh.urbs.in_flight</c> by side (<c>export</c>: URBs this node's devices work on; <c>import</c>:
/// URBs this node's imports wait for) and device. A table registers while its owner lives and leaves when the owner
/// stops, so the gauge is what the node holds now: under steady traffic it stays level, and after traffic stops it
/// returns to zero; anything else is a URB that will never be answered or a table nobody closed.
/// </summary>
internal static class UrbTables
{
    private static readonly ConcurrentDictionary<Table, byte> Live = new();

    private static readonly Meter Meter = new(UrbMetrics.MeterName);

    // Created once and read by whoever collects the meter; holding the reference keeps the instrument registered.
    private static readonly ObservableUpDownCounter<int> InFlight = Meter.CreateObservableUpDownCounter("usbmesh.urbs.in_flight", Measure, "{urb}",
        "URBs handed on and not answered yet, by side (export, import) and device.");

    public const string Export = "export";
    public const string Import = "import";

    /// <summary>Counts <paramref name="inFlight"/> under the gauge until the returned handle is disposed.</summary>
    /// <remarks><paramref name="inFlight"/> is read on the collector's thread: it must only read a count.</remarks>
    public static IDisposable Register(string side, string device, Func<int> inFlight)
    {
        GC.KeepAlive(InFlight);
        var table = new Table(side, device, inFlight);
        Live.TryAdd(table, 0);
        return table;
    }

    private static IEnumerable<Measurement<int>> Measure() =>
        Live.Keys.GroupBy(t => (t.Side, t.Device))
            .Select(g => new Measurement<int>(g.Sum(t => t.InFlight()), new KeyValuePair<string, object?>("side", g.Key.Side), new KeyValuePair<string, object?>("device", g.Key.Device)));

    private sealed record Table(string Side, string Device, Func<int> InFlight) : IDisposable
    {
        public void Dispose() => Live.TryRemove(this, out _);
    }
}
