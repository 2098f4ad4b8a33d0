using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

public sealed class LeaderActionsTests
{
    private static readonly MembershipSettings Settings = new(
        DownUnreachableAfter: TimeSpan.FromSeconds(10),
        RemovalMargin: TimeSpan.FromSeconds(5),
        TombstoneTtl: TimeSpan.FromSeconds(60));

    private readonly ManualTimeProvider _clock = new();

    private static Member Member(NodeId id, MemberStatus status = MemberStatus.Up, long incarnation = 0) =>
        new(id, "node", ["host:7240"], false, incarnation, status);

    private static MembershipState With(params Member[] members) =>
        members.Aggregate(MembershipState.Empty, (state, member) => state.Add(member).State);

    private MembershipUpdate Tick(MembershipState state, NodeId self, MemberTimeline timeline)
    {
        timeline.Observe(state, self);
        var update = LeaderActions.Perform(state, self, timeline, Settings);
        timeline.Observe(update.State, self);
        return update;
    }

    [Fact]
    public void The_leader_is_the_lowest_reachable_active_member()
    {
        var state = With(Member(Nodes.A, MemberStatus.Down), Member(Nodes.B, MemberStatus.Joining), Member(Nodes.C));

        Assert.Equal(Nodes.B, state.LeaderFor(Nodes.C));
        Assert.Equal(Nodes.C, state.MarkUnreachable(Nodes.C, Nodes.B).State.LeaderFor(Nodes.C));
        Assert.Null(MembershipState.Empty.LeaderFor(Nodes.A));
    }

    [Fact]
    public void Each_side_of_a_partition_elects_its_own_leader()
    {
        var whole = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C), Member(Nodes.D));
        var left = whole
            .MarkUnreachable(Nodes.A, Nodes.C).State.MarkUnreachable(Nodes.A, Nodes.D).State
            .MarkUnreachable(Nodes.B, Nodes.C).State.MarkUnreachable(Nodes.B, Nodes.D).State;
        var right = whole
            .MarkUnreachable(Nodes.C, Nodes.A).State.MarkUnreachable(Nodes.C, Nodes.B).State
            .MarkUnreachable(Nodes.D, Nodes.A).State.MarkUnreachable(Nodes.D, Nodes.B).State;

        Assert.Equal(Nodes.A, left.LeaderFor(Nodes.A));
        Assert.Equal(Nodes.A, left.LeaderFor(Nodes.B));
        Assert.Equal(Nodes.C, right.LeaderFor(Nodes.C));
        Assert.Equal(Nodes.C, right.LeaderFor(Nodes.D));
    }

    [Fact]
    public void The_leader_moves_joining_members_up_and_others_do_nothing()
    {
        var state = With(Member(Nodes.A, MemberStatus.Joining), Member(Nodes.B, MemberStatus.Joining));

        Assert.False(LeaderActions.Perform(state, Nodes.B, new MemberTimeline(_clock), Settings).HasChanges);

        var update = LeaderActions.Perform(state, Nodes.A, new MemberTimeline(_clock), Settings);

        Assert.Equal(new MembershipChange[] { new MemberUp(Member(Nodes.A)), new MemberUp(Member(Nodes.B)) }, update.Changes);
    }

    [Fact]
    public void A_leaving_member_is_removed()
    {
        var state = With(Member(Nodes.A), Member(Nodes.B)).Leave(Nodes.B).State;

        var update = Tick(state, Nodes.A, new MemberTimeline(_clock));

        Assert.Equal(new MembershipChange[] { new MemberRemoved(Member(Nodes.B, MemberStatus.Removed)) }, update.Changes);
    }

    [Fact]
    public void An_unreachable_member_is_downed_after_the_configured_time_not_before_and_removed_after_the_margin()
    {
        var timeline = new MemberTimeline(_clock);
        var state = Tick(With(Member(Nodes.A), Member(Nodes.B)).MarkUnreachable(Nodes.A, Nodes.B).State, Nodes.A, timeline).State;

        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(Tick(state, Nodes.A, timeline).HasChanges);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        var downed = Tick(state, Nodes.A, timeline);
        Assert.Equal(new MembershipChange[] { new MemberDowned(Member(Nodes.B, MemberStatus.Down)) }, downed.Changes);

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(Tick(downed.State, Nodes.A, timeline).HasChanges);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        var removed = Tick(downed.State, Nodes.A, timeline);
        Assert.Equal(new MembershipChange[] { new MemberRemoved(Member(Nodes.B, MemberStatus.Removed)) }, removed.Changes);
    }

    [Fact]
    public void Coming_back_in_time_stops_the_down_clock()
    {
        var timeline = new MemberTimeline(_clock);
        var lost = With(Member(Nodes.A), Member(Nodes.B)).MarkUnreachable(Nodes.A, Nodes.B).State;
        Tick(lost, Nodes.A, timeline);

        _clock.Advance(TimeSpan.FromSeconds(8));
        var back = lost.MarkReachable(Nodes.A, Nodes.B).State;
        Tick(back, Nodes.A, timeline);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var lostAgain = back.MarkUnreachable(Nodes.A, Nodes.B).State;
        Tick(lostAgain, Nodes.A, timeline);

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(Tick(lostAgain, Nodes.A, timeline).HasChanges);
    }

    [Fact]
    public void A_leader_on_the_minority_side_downs_nobody_while_half_or_more_still_downs()
    {
        MemberTimeline onC = new(_clock), onA = new(_clock), onB = new(_clock);
        var cutOff = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C))
            .MarkUnreachable(Nodes.C, Nodes.A).State
            .MarkUnreachable(Nodes.C, Nodes.B).State;
        var stayed = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C))
            .MarkUnreachable(Nodes.A, Nodes.C).State
            .MarkUnreachable(Nodes.B, Nodes.C).State;
        var pair = With(Member(Nodes.A), Member(Nodes.B)).MarkUnreachable(Nodes.B, Nodes.A).State;
        Tick(cutOff, Nodes.C, onC);
        Tick(stayed, Nodes.A, onA);
        Tick(pair, Nodes.B, onB);

        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.False(Tick(cutOff, Nodes.C, onC).HasChanges);
        Assert.Equal(new MembershipChange[] { new MemberDowned(Member(Nodes.C, MemberStatus.Down)) }, Tick(stayed, Nodes.A, onA).Changes);
        Assert.Equal(new MembershipChange[] { new MemberDowned(Member(Nodes.A, MemberStatus.Down)) }, Tick(pair, Nodes.B, onB).Changes);
    }

    [Fact]
    public void A_member_unreachable_only_to_others_is_not_downed_by_a_leader_that_reaches_it()
    {
        var timeline = new MemberTimeline(_clock);
        var state = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C))
            .MarkReachable(Nodes.A, Nodes.C).State
            .MarkUnreachable(Nodes.B, Nodes.C).State;
        Tick(state, Nodes.A, timeline);

        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.False(Tick(state, Nodes.A, timeline).HasChanges);
    }

    [Fact]
    public void A_member_the_leader_cannot_reach_but_a_relay_it_reaches_does_is_not_downed_until_the_relay_loses_it_too()
    {
        // A and C cannot connect to each other (the laptop and the hub behind different NATs); B relays for both.
        var timeline = new MemberTimeline(_clock);
        var separated = With(Member(Nodes.A), Member(Nodes.B) with { RelayCapable = true }, Member(Nodes.C))
            .MarkUnreachable(Nodes.A, Nodes.C).State
            .MarkUnreachable(Nodes.C, Nodes.A).State;
        Tick(separated, Nodes.A, timeline);

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(Tick(separated, Nodes.A, timeline).HasChanges);

        // C crashed: the relay loses it too, and A, which has not reached C for a minute, downs it at once (and C's
        // verdict on A no longer counts).
        var lost = separated.MarkUnreachable(Nodes.B, Nodes.C).State;
        Assert.Contains(new MemberDowned(Member(Nodes.C, MemberStatus.Down)), Tick(lost, Nodes.A, timeline).Changes);
    }

    [Fact]
    public void A_member_reached_only_by_a_member_that_does_not_relay_is_downed()
    {
        var timeline = new MemberTimeline(_clock);
        var separated = With(Member(Nodes.A), Member(Nodes.B), Member(Nodes.C))
            .MarkUnreachable(Nodes.A, Nodes.C).State
            .MarkUnreachable(Nodes.C, Nodes.A).State;
        Tick(separated, Nodes.A, timeline);

        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Contains(new MemberDowned(Member(Nodes.C, MemberStatus.Down)), Tick(separated, Nodes.A, timeline).Changes);
    }

    [Fact]
    public void Tombstones_stop_stale_gossip_from_resurrecting_a_member_and_are_pruned_after_their_time()
    {
        var timeline = new MemberTimeline(_clock);
        var stale = With(Member(Nodes.A), Member(Nodes.B)).MarkUnreachable(Nodes.B, Nodes.A).State;
        var removed = Tick(stale.Leave(Nodes.B).State, Nodes.A, timeline).State;
        Assert.Equal(MemberStatus.Removed, removed.Find(Nodes.B)!.Status);

        var merged = removed.Merge(stale);
        Assert.False(merged.HasChanges);
        Assert.Equal(MemberStatus.Removed, merged.State.Find(Nodes.B)!.Status);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(removed, Tombstones.Prune(removed, timeline, Settings.TombstoneTtl));

        _clock.Advance(TimeSpan.FromSeconds(1));
        var pruned = Tombstones.Prune(removed, timeline, Settings.TombstoneTtl);
        Assert.Null(pruned.Find(Nodes.B));
        Assert.Empty(pruned.Reachability);
    }
}
