using System.Diagnostics.Metrics;

namespace UsbMesh.Mesh.Mux;

/// <summary>Round trips of the multiplexer's pings: the transport's latency to each peer, queueing included.</summary>
internal static class MuxMetrics
{
    private static readonly Histogram<double> RoundTrip = MeshMeter.Instance.CreateHistogram("usbmesh.transport.rtt", "s",
        "Round trips of transport heartbeats (ping to pong), by peer.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static void Measured(string? peer, TimeSpan roundTrip) =>
        RoundTrip.Record(roundTrip.TotalSeconds, new KeyValuePair<string, object?>("peer", peer ?? "unknown"));
}
