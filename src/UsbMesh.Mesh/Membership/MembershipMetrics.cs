using System.Diagnostics.Metrics;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// The other members by state as this node sees them (<c>up</c>, <c>unreachable</c>, ...): an up-down counter that
/// one membership actor moves by the difference between its last two views, and takes back to zero when it stops.
/// </summary>
internal sealed class MembershipMetrics
{
    private static readonly UpDownCounter<int> Peers = MeshMeter.Instance.CreateUpDownCounter<int>("usbmesh.mesh.peers", "{node}",
        "Other members of the mesh by state, as this node sees them.");

    private readonly int[] _reported = new int[Enum.GetValues<DisplayedStatus>().Length];

    /// <summary>Reports <paramref name="state"/> as seen by <paramref name="self"/>.</summary>
    public void Report(MembershipState state, NodeId self)
    {
        var counts = new int[_reported.Length];
        foreach (var member in state.Members)
        {
            if (member.Id != self && state.DisplayedStatusOf(member.Id, self) is { } status)
            {
                counts[(int)status]++;
            }
        }

        Move(counts);
    }

    /// <summary>Takes this node's view back out (the actor stopped).</summary>
    public void Clear() => Move(new int[_reported.Length]);

    private void Move(int[] counts)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != _reported[i])
            {
                Peers.Add(counts[i] - _reported[i], new KeyValuePair<string, object?>("state", ((DisplayedStatus)i).ToString().ToLowerInvariant()));
                _reported[i] = counts[i];
            }
        }
    }
}
