using System.Diagnostics.Metrics;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Remote;

/// <summary>How often links to peers come and go: associations taken, reconnects after a link ended, failed attempts.</summary>
internal static class RemotingMetrics
{
    private static readonly Counter<long> Associations = MeshMeter.Instance.CreateCounter<long>("usbmesh.remote.associations", "{association}",
        "Associations taken as the link to a peer, by peer and direction (inbound: the peer connected).");

    private static readonly Counter<long> Reconnects = MeshMeter.Instance.CreateCounter<long>("usbmesh.remote.reconnects", "{association}",
        "Associations taken with a peer this node had been associated with before, by peer.");

    private static readonly Counter<long> ConnectFailures = MeshMeter.Instance.CreateCounter<long>("usbmesh.remote.connect.failures", "{attempt}",
        "Attempts to connect to a peer that failed (every address tried), by peer.");

    public static void Associated(NodeId peer, bool inbound, bool before)
    {
        var who = new KeyValuePair<string, object?>("peer", peer.Short);
        Associations.Add(1, who, new KeyValuePair<string, object?>("direction", inbound ? "inbound" : "outbound"));
        if (before)
        {
            Reconnects.Add(1, who);
        }
    }

    public static void ConnectFailed(NodeId peer) => ConnectFailures.Add(1, new KeyValuePair<string, object?>("peer", peer.Short));
}
