using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using UsbMesh.Actors;

namespace UsbMesh.Node;

/// <summary>
/// <c>usbmesh_node_uptime_seconds{node, id}</c>: one series per running node of this process, read at each scrape.
/// It tells a scraper which node answers and since when, and keeps an idle node's metrics from being empty.
/// </summary>
internal static class NodeMetrics
{
    private static readonly Meter Meter = new("UsbMesh");
    private static readonly ConcurrentDictionary<ActorSystem, (string Name, string Id)> Running = new();

    private static readonly ObservableGauge<double> Uptime = Meter.CreateObservableGauge("usbmesh.node.uptime", Measure, "s",
        "How long the node has run, labelled with its name and id.");

    /// <summary>Measures <paramref name="system"/> until it terminates.</summary>
    public static void Watch(ActorSystem system, string name, string id)
    {
        Running[system] = (name, id);
        system.WhenTerminated.ContinueWith(_ => Running.TryRemove(system, out var _), TaskScheduler.Default);
    }

    private static IEnumerable<Measurement<double>> Measure() =>
        Running.Select(n => new Measurement<double>(n.Key.Uptime.TotalSeconds,
            new KeyValuePair<string, object?>("node", n.Value.Name), new KeyValuePair<string, object?>("id", n.Value.Id)));
}
