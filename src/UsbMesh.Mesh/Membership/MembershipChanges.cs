namespace UsbMesh.Mesh.Membership;

/// <summary>
/// The events between two states. Derived from the states rather than recorded by each operation, so a merge that
/// skips intermediate steps (gossip saying Joining, then Removed) still reports where each member ended up.
/// </summary>
internal static class MembershipChanges
{
    public static MembershipUpdate Between(MembershipState before, MembershipState after)
    {
        var changes = new List<MembershipChange>();
        var reachability = new List<MembershipChange>();
        foreach (var member in after.Members)
        {
            var old = before.Find(member.Id);
            var isNew = old is null || old.Incarnation < member.Incarnation;
            if (isNew)
            {
                // A tombstone learned from gossip is news of nothing: the member was never seen here alive.
                if (member.Status == MemberStatus.Removed && old is null)
                {
                    continue;
                }

                changes.Add(new MemberJoined(member));
            }

            if (member.Status != MemberStatus.Joining && (isNew || old!.Status != member.Status))
            {
                changes.Add(StatusChange(member));
            }

            var wasUnreachable = !isNew && old!.IsActive && before.IsUnreachable(member.Id);
            var isUnreachable = member.IsActive && after.IsUnreachable(member.Id);
            if (isUnreachable && !wasUnreachable)
            {
                reachability.Add(new MemberUnreachable(member));
            }
            else if (wasUnreachable && !isUnreachable && member.IsActive)
            {
                reachability.Add(new MemberReachable(member));
            }
        }

        // Pruned tombstones vanish without an event; anything else that vanished is gone all the same.
        foreach (var gone in before.Members)
        {
            if (gone.Status != MemberStatus.Removed && after.Find(gone.Id) is null)
            {
                changes.Add(new MemberRemoved(gone with { Status = MemberStatus.Removed }));
            }
        }

        return new MembershipUpdate(after, [.. changes, .. reachability]);
    }

    private static MembershipChange StatusChange(Member member) => member.Status switch
    {
        MemberStatus.Up => new MemberUp(member),
        MemberStatus.Leaving => new MemberLeft(member),
        MemberStatus.Down => new MemberDowned(member),
        _ => new MemberRemoved(member),
    };
}
