using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

/// <summary>Merge is a join of a semilattice: over many random states, order, grouping and repetition do not matter.</summary>
public sealed class MembershipMergePropertyTests
{
    private const int Rounds = 300;

    [Fact]
    public void Merge_is_commutative()
    {
        var random = new Random(7240);
        for (var i = 0; i < Rounds; i++)
        {
            var (a, b) = (RandomState(random), RandomState(random));
            Assert.Equal(a.Merge(b).State, b.Merge(a).State);
        }
    }

    [Fact]
    public void Merge_is_associative()
    {
        var random = new Random(7241);
        for (var i = 0; i < Rounds; i++)
        {
            var (a, b, c) = (RandomState(random), RandomState(random), RandomState(random));
            Assert.Equal(a.Merge(b).State.Merge(c).State, a.Merge(b.Merge(c).State).State);
        }
    }

    [Fact]
    public void Merge_is_idempotent_and_a_merged_state_absorbs_its_parts()
    {
        var random = new Random(7242);
        for (var i = 0; i < Rounds; i++)
        {
            var (a, b) = (RandomState(random), RandomState(random));
            Assert.Equal(a, a.Merge(a).State);
            Assert.False(a.Merge(a).HasChanges);

            var merged = a.Merge(b).State;
            Assert.Equal(merged, merged.Merge(b).State);
            Assert.False(merged.Merge(a).HasChanges);
        }
    }

    [Fact]
    public void The_empty_state_is_the_identity()
    {
        var random = new Random(7243);
        for (var i = 0; i < Rounds; i++)
        {
            var a = RandomState(random);
            Assert.Equal(a, a.Merge(MembershipState.Empty).State);
            Assert.Equal(a, MembershipState.Empty.Merge(a).State);
        }
    }

    /// <summary>
    /// A state built from gossip, so it can hold what operations alone would not produce: the same member at one
    /// incarnation with different names, and rows of one observer at one version with different verdicts.
    /// </summary>
    private static MembershipState RandomState(Random random)
    {
        var ids = Nodes.Ordered.Take(5).ToArray();
        var members = new List<Member>();
        foreach (var id in ids.Where(_ => random.Next(4) > 0))
        {
            members.Add(new Member(
                id,
                random.Next(2) == 0 ? "desk" : "hub",
                random.Next(2) == 0 ? ["a:1"] : ["a:1", "b:2"],
                random.Next(2) == 0,
                random.Next(3),
                (MemberStatus)random.Next(5)));
        }

        var rows = new List<ReachabilityRow>();
        foreach (var observer in ids.Where(_ => random.Next(2) == 0))
        {
            var records = ids
                .Where(s => s != observer && random.Next(2) == 0)
                .Select(s => new ReachabilityRecord(s, random.Next(2) == 0 ? ReachabilityStatus.Reachable : ReachabilityStatus.Unreachable))
                .ToList();
            rows.Add(new ReachabilityRow(observer, random.Next(2), random.Next(3), records));
        }

        var state = MembershipState.FromGossip(new MembershipGossip(members, rows));

        // And some marks on top, as a running node makes them.
        for (var i = random.Next(3); i > 0; i--)
        {
            var (observer, subject) = (ids[random.Next(ids.Length)], ids[random.Next(ids.Length)]);
            state = random.Next(2) == 0 ? state.MarkUnreachable(observer, subject).State : state.MarkReachable(observer, subject).State;
        }

        return state;
    }
}
