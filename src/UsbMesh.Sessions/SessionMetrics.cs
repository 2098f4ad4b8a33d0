using System.Diagnostics.Metrics;

namespace UsbMesh.Sessions;

/// <summary>Device sessions open on this node, by role: <c>export</c> (a peer imports a device of this node) and
/// <c>import</c> (this node imports a peer's device).</summary>
internal static class SessionMetrics
{
    // The node's meter name; the exporter collects every meter of this name.
    private static readonly Meter Meter = new("UsbMesh");

    private static readonly UpDownCounter<int> Sessions = Meter.CreateUpDownCounter<int>("usbmesh.sessions", "{session}",
        "Device sessions open on this node, by role (export: a peer imports a device of this node; import: the other way).");

    public const string Export = "export";
    public const string Import = "import";

    public static void Opened(string role) => Sessions.Add(1, new KeyValuePair<string, object?>("role", role));

    public static void Closed(string role) => Sessions.Add(-1, new KeyValuePair<string, object?>("role", role));
}
