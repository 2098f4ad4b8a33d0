using System.Collections.Concurrent;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Node;

/// <summary>
/// Tells the operator which nodes this node refused and how to let one in: the refused node learns why, but without
/// a line here the operator of this node would not learn its id. Each node is reported at most once per interval, so
/// one that keeps retrying (with backoff) costs a line per interval, not one per attempt. Fresh keys are each named
/// once: how many arrive is bounded by the listener's accept rate (usbmesh.listen), not here; the table of nodes
/// named is what stays bounded.
/// </summary>
/// <param name="report">Writes one line (a warning).</param>
/// <param name="interval">The shortest time between two lines about the same node.</param>
/// <param name="time">The clock.</param>
internal sealed class RefusedPeers(Action<string> report, TimeSpan interval, TimeProvider time)
{
    /// <summary>Nodes remembered at once; beyond it the memory starts again (a flood of fresh keys stays bounded).</summary>
    private const int Remembered = 1024;

    private readonly ConcurrentDictionary<NodeId, long> _lastReported = new();

    /// <summary>Reports <paramref name="peer"/>, refused for <paramref name="reason"/>, unless it was reported within the interval.</summary>
    public void Refused(NodeId peer, string reason)
    {
        var now = time.GetTimestamp();
        if (_lastReported.TryGetValue(peer, out var last) && time.GetElapsedTime(last, now) < interval)
        {
            return;
        }

        if (_lastReported.Count >= Remembered)
        {
            _lastReported.Clear();
        }

        _lastReported[peer] = now;
        report($"Refused a connection from node {peer}: {reason}. To let it in: usbmesh peers trust <name> {peer}");
    }
}
