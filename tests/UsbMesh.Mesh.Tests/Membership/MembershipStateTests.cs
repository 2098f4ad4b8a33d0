using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

public sealed class MembershipStateTests
{
    private static Member Member(NodeId id, MemberStatus status = MemberStatus.Up, long incarnation = 0) =>
        new(id, "node", ["host:7240"], false, incarnation, status);

    private static MembershipState With(params Member[] members) =>
        members.Aggregate(MembershipState.Empty, (state, member) => state.Add(member).State);

    [Fact]
    public void At_one_incarnation_the_later_status_wins()
    {
        var up = With(Member(Nodes.A, MemberStatus.Up));
        var down = With(Member(Nodes.A, MemberStatus.Down));

        Assert.Equal(MemberStatus.Down, up.Merge(down).State.Find(Nodes.A)!.Status);
        Assert.Equal(MemberStatus.Down, down.Merge(up).State.Find(Nodes.A)!.Status);
    }

    [Fact]
    public void A_higher_incarnation_wins_whatever_its_status()
    {
        var removed = With(Member(Nodes.A, MemberStatus.Removed, incarnation: 3));
        var joining = With(Member(Nodes.A, MemberStatus.Joining, incarnation: 4));

        Assert.Equal(Member(Nodes.A, MemberStatus.Joining, incarnation: 4), removed.Merge(joining).State.Find(Nodes.A));
        Assert.Equal(Member(Nodes.A, MemberStatus.Joining, incarnation: 4), joining.Merge(removed).State.Find(Nodes.A));
    }

    [Fact]
    public void Adding_an_outranked_version_changes_nothing()
    {
        var down = With(Member(Nodes.A, MemberStatus.Down, incarnation: 1));

        var update = down.Add(Member(Nodes.A, MemberStatus.Joining, incarnation: 1));

        Assert.False(update.HasChanges);
        Assert.Equal(down, update.State);
    }

    [Fact]
    public void Rejoining_after_being_downed_wins_over_the_stale_down()
    {
        var downed = With(Member(Nodes.A), Member(Nodes.B)).Down(Nodes.A).State;

        var rejoined = downed.Rejoin(Nodes.A);

        Assert.Equal(new MembershipChange[] { new MemberJoined(Member(Nodes.A, MemberStatus.Joining, incarnation: 1)) }, rejoined.Changes);
        // Gossip from a node that only knows the down does not undo the rejoin, in either direction.
        Assert.Equal(MemberStatus.Joining, rejoined.State.Merge(downed).State.Find(Nodes.A)!.Status);
        Assert.Equal(MemberStatus.Joining, downed.Merge(rejoined.State).State.Find(Nodes.A)!.Status);
        Assert.Equal(1, downed.Merge(rejoined.State).State.Find(Nodes.A)!.Incarnation);
    }

    [Fact]
    public void Leave_and_down_move_forward_only()
    {
        var state = With(Member(Nodes.A, MemberStatus.Up));

        var leaving = state.Leave(Nodes.A);
        Assert.Equal(new MembershipChange[] { new MemberLeft(Member(Nodes.A, MemberStatus.Leaving)) }, leaving.Changes);
        Assert.False(leaving.State.Leave(Nodes.A).HasChanges);

        var downed = leaving.State.Down(Nodes.A);
        Assert.Equal(new MembershipChange[] { new MemberDowned(Member(Nodes.A, MemberStatus.Down)) }, downed.Changes);
        Assert.False(downed.State.Leave(Nodes.A).HasChanges);
        Assert.False(downed.State.Down(Nodes.A).HasChanges);
    }

    [Fact]
    public void Merging_reports_where_each_member_ended_up()
    {
        var local = With(Member(Nodes.A, MemberStatus.Joining));
        var remote = With(Member(Nodes.A, MemberStatus.Up), Member(Nodes.B, MemberStatus.Joining), Member(Nodes.C, MemberStatus.Removed));

        var update = local.Merge(remote);

        Assert.Equal(
            new MembershipChange[] { new MemberUp(Member(Nodes.A, MemberStatus.Up)), new MemberJoined(Member(Nodes.B, MemberStatus.Joining)) },
            update.Changes);
    }

    [Fact]
    public void A_member_is_unreachable_while_a_current_observer_says_so()
    {
        var state = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C));

        var lost = state.MarkUnreachable(Nodes.A, Nodes.C);
        Assert.Equal(new MembershipChange[] { new MemberUnreachable(Member(Nodes.C)) }, lost.Changes);
        Assert.Equal(DisplayedStatus.Unreachable, lost.State.DisplayedStatusOf(Nodes.C));

        var alsoLost = lost.State.MarkUnreachable(Nodes.B, Nodes.C);
        Assert.False(alsoLost.HasChanges);

        // One observer hears it again; the other still does not.
        var partly = alsoLost.State.MarkReachable(Nodes.A, Nodes.C);
        Assert.False(partly.HasChanges);
        Assert.True(partly.State.IsUnreachable(Nodes.C));

        var found = partly.State.MarkReachable(Nodes.B, Nodes.C);
        Assert.Equal(new MembershipChange[] { new MemberReachable(Member(Nodes.C)) }, found.Changes);
        Assert.Equal(DisplayedStatus.Up, found.State.DisplayedStatusOf(Nodes.C));
    }

    [Fact]
    public void A_downed_observer_no_longer_counts()
    {
        var state = With(Member(Nodes.A), Member(Nodes.B)).MarkUnreachable(Nodes.A, Nodes.B).State;
        Assert.True(state.IsUnreachable(Nodes.B));

        Assert.False(state.Down(Nodes.A).State.IsUnreachable(Nodes.B));
    }

    [Fact]
    public void Reachability_rows_merge_per_observer_by_version()
    {
        var start = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C));
        var older = start.MarkUnreachable(Nodes.A, Nodes.C).State;
        var newer = older.MarkReachable(Nodes.A, Nodes.C).State;
        var byB = start.MarkUnreachable(Nodes.B, Nodes.A).State;

        var merged = older.Merge(byB).State.Merge(newer).State;

        Assert.False(merged.IsUnreachable(Nodes.C));
        Assert.True(merged.IsUnreachable(Nodes.A));
        Assert.Equal(2, merged.Reachability.Single(r => r.Observer == Nodes.A).Version);
        Assert.Equal(merged, newer.Merge(older).State.Merge(byB).State);
    }

    [Fact]
    public void A_rejoined_observer_starts_a_new_row_that_wins_over_its_old_one()
    {
        var state = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C));
        for (var i = 0; i < 5; i++)
        {
            state = state.MarkUnreachable(Nodes.A, Nodes.C).State.MarkReachable(Nodes.A, Nodes.C).State;
        }

        var old = state.MarkUnreachable(Nodes.A, Nodes.C).State;
        var reborn = old.Rejoin(Nodes.A).State.MarkUnreachable(Nodes.A, Nodes.B).State;

        var merged = reborn.Merge(old).State;

        Assert.Equal(1, merged.Reachability.Single(r => r.Observer == Nodes.A).Version);
        Assert.True(merged.IsUnreachable(Nodes.B));
        Assert.False(merged.IsUnreachable(Nodes.C));
    }

    [Fact]
    public void The_viewer_reaches_itself_and_its_own_verdict_wins()
    {
        var state = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C))
            .MarkUnreachable(Nodes.B, Nodes.A).State
            .MarkUnreachable(Nodes.B, Nodes.C).State
            .MarkReachable(Nodes.A, Nodes.C).State;

        Assert.True(state.IsReachableFrom(Nodes.A, Nodes.A));
        Assert.True(state.IsReachableFrom(Nodes.A, Nodes.C));
        Assert.False(state.IsReachableFrom(Nodes.C, Nodes.A));
        Assert.Equal(DisplayedStatus.Up, state.DisplayedStatusOf(Nodes.C, Nodes.A));
        Assert.Equal(DisplayedStatus.Unreachable, state.DisplayedStatusOf(Nodes.C));
    }

    [Fact]
    public void Rejoin_of_an_unknown_node_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => MembershipState.Empty.Rejoin(Nodes.A));
    }
}
