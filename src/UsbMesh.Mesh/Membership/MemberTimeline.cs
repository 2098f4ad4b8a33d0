using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Since when, by this node's clock, each member has been unreachable (in this node's view), down and removed. Kept
/// apart from the gossiped state on purpose: clocks of different nodes do not agree, and each node only needs to
/// know how long it has seen something itself. Keyed by incarnation, so a rejoined member starts with a clean
/// slate. Call <see cref="Observe"/> after every change of the state; not thread-safe (one actor owns it).
/// </summary>
public sealed class MemberTimeline(TimeProvider clock)
{
    private readonly Dictionary<NodeId, Since> _unreachable = [];
    private readonly Dictionary<NodeId, Since> _down = [];
    private readonly Dictionary<NodeId, Since> _removed = [];

    /// <summary>Starts the clocks of what began and stops those of what ended, as <paramref name="self"/> sees <paramref name="state"/>.</summary>
    public void Observe(MembershipState state, NodeId self)
    {
        var now = clock.GetTimestamp();
        foreach (var member in state.Members)
        {
            Track(_unreachable, member, member.IsActive && !state.IsReachableFrom(self, member.Id), now);
            Track(_down, member, member.Status == MemberStatus.Down, now);
            Track(_removed, member, member.Status == MemberStatus.Removed, now);
        }

        foreach (var table in new[] { _unreachable, _down, _removed })
        {
            foreach (var gone in table.Keys.Where(id => state.Find(id) is null).ToList())
            {
                table.Remove(gone);
            }
        }
    }

    /// <summary>How long <paramref name="member"/> (this incarnation) has been unreachable here; null if it is not.</summary>
    public TimeSpan? UnreachableFor(Member member) => Elapsed(_unreachable, member);

    /// <summary>How long <paramref name="member"/> (this incarnation) has been down here; null if it is not.</summary>
    public TimeSpan? DownFor(Member member) => Elapsed(_down, member);

    /// <summary>How long <paramref name="member"/> (this incarnation) has been removed here; null if it is not.</summary>
    public TimeSpan? RemovedFor(Member member) => Elapsed(_removed, member);

    private static void Track(Dictionary<NodeId, Since> table, Member member, bool holds, long now)
    {
        if (!holds)
        {
            table.Remove(member.Id);
        }
        else if (!table.TryGetValue(member.Id, out var since) || since.Incarnation != member.Incarnation)
        {
            table[member.Id] = new Since(member.Incarnation, now);
        }
    }

    private TimeSpan? Elapsed(Dictionary<NodeId, Since> table, Member member) =>
        table.TryGetValue(member.Id, out var since) && since.Incarnation == member.Incarnation
            ? clock.GetElapsedTime(since.Timestamp)
            : null;

    private readonly record struct Since(long Incarnation, long Timestamp);
}
