using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Forgets removed members once their tombstone has been kept long enough for every node to have seen it. Each node
/// prunes on its own clock; a tombstone a peer still gossips is harmless and is pruned again. The time to live must
/// exceed how long stale gossip can circulate, or a pruned member could come back from it.
/// </summary>
public static class Tombstones
{
    /// <summary><paramref name="state"/> without the members removed here for at least <paramref name="timeToLive"/>.</summary>
    public static MembershipState Prune(MembershipState state, MemberTimeline timeline, TimeSpan timeToLive)
    {
        List<NodeId> expired = [.. state.Members.Where(m => timeline.RemovedFor(m) >= timeToLive).Select(m => m.Id)];
        return state.Without(expired);
    }
}
