using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// What the leader does on each tick, as a function of the state: moves reachable joining members up, removes
/// leaving members and members down for longer than the removal margin, and downs members unreachable for longer
/// than <see cref="MembershipSettings.DownUnreachableAfter"/>. A node that is not the leader in its own view does
/// nothing. Other nodes learn the outcome through gossip; the merge rule makes it stick.
/// <para>
/// A member the leader cannot reach but a relay it reaches still does is not downed: it is alive, and its lanes go
/// through the relay (<see cref="MembershipState.IsReachableThroughRelay"/>). Without this, two nodes that cannot
/// connect to each other would down one another in turn, so a session through a relay would end every few seconds.
/// Once the relay also loses it, the down clock (started when the leader lost it) applies as before.
/// </para>
/// <para>
/// A leader that reaches fewer than half of the active members downs nobody: it is on the minority side of a
/// partition, most likely the side that was cut off, and its verdicts would down the side that stayed together once
/// the partition heals. Half or more may down (two nodes, or an even split, down each other; the side told first
/// rejoins), so the last survivor of a shrinking mesh still frees what the dead held.
/// </para>
/// </summary>
public static class LeaderActions
{
    /// <summary>The leader's actions on <paramref name="state"/>, taken by <paramref name="self"/> if it is the leader.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="self">The node running the actions.</param>
    /// <param name="timeline">This node's clocks, observed on the current state.</param>
    /// <param name="settings">The down and removal delays.</param>
    public static MembershipUpdate Perform(MembershipState state, NodeId self, MemberTimeline timeline, MembershipSettings settings)
    {
        if (state.LeaderFor(self) != self)
        {
            return new MembershipUpdate(state, []);
        }

        var mayDown = MayDown(state, self);
        var after = state;
        foreach (var member in state.Members)
        {
            var reachable = state.IsReachableFrom(self, member.Id);
            var next = member.Status switch
            {
                _ when mayDown && member.IsActive && !reachable && !state.IsReachableThroughRelay(self, member.Id)
                    && timeline.UnreachableFor(member) >= settings.DownUnreachableAfter => MemberStatus.Down,
                MemberStatus.Joining when reachable => MemberStatus.Up,
                MemberStatus.Leaving => MemberStatus.Removed,
                MemberStatus.Down when timeline.DownFor(member) >= settings.RemovalMargin => MemberStatus.Removed,
                var unchanged => unchanged,
            };

            if (next != member.Status)
            {
                after = after.WithStatus(member, next).State;
            }
        }

        return MembershipChanges.Between(state, after);
    }

    /// <summary>Whether <paramref name="self"/> reaches at least half of the active members, itself included.</summary>
    private static bool MayDown(MembershipState state, NodeId self)
    {
        var active = state.Members.Where(m => m.IsActive).ToList();
        var reachable = active.Count(m => state.IsReachableFrom(self, m.Id));
        return reachable * 2 >= active.Count;
    }
}
