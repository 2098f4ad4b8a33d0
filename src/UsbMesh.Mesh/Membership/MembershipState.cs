using System.Collections.Immutable;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Who is in the mesh and who can reach whom, as one immutable value that gossip exchanges whole. Merging is
/// commutative, associative and idempotent, so nodes that have seen the same gossip, in any order and any number of
/// times, hold the same state. Members merge by incarnation, then status; reachability rows merge per observer by
/// version. Every operation returns the new state with the events it implies (<see cref="MembershipUpdate"/>).
/// </summary>
public sealed class MembershipState : IEquatable<MembershipState>
{
    private readonly ImmutableDictionary<NodeId, Member> _members;
    private readonly ImmutableDictionary<NodeId, ReachabilityRow> _rows;
    private IReadOnlyList<Member>? _orderedMembers;

    private MembershipState(ImmutableDictionary<NodeId, Member> members, ImmutableDictionary<NodeId, ReachabilityRow> rows)
    {
        _members = members;
        _rows = rows;
    }

    /// <summary>No members, no observations.</summary>
    public static MembershipState Empty { get; } = new(ImmutableDictionary<NodeId, Member>.Empty, ImmutableDictionary<NodeId, ReachabilityRow>.Empty);

    /// <summary>Every member, tombstones included, ordered by the text form of their ids.</summary>
    public IReadOnlyList<Member> Members => _orderedMembers ??= [.. _members.Values.OrderBy(m => m.Id.ToString(), StringComparer.Ordinal)];

    /// <summary>Every observer's row, ordered by the text form of the observer's id.</summary>
    public IReadOnlyList<ReachabilityRow> Reachability => [.. _rows.Values.OrderBy(r => r.Observer.ToString(), StringComparer.Ordinal)];

    /// <summary>The member <paramref name="id"/>; null if it is not known (or its tombstone was pruned).</summary>
    public Member? Find(NodeId id) => _members.GetValueOrDefault(id);

    /// <summary>
    /// Adds <paramref name="member"/> as a merge would: a version already known that takes precedence stays. How a
    /// node enters its own state at start, and how a seed learns of a node that asked to join.
    /// </summary>
    public MembershipUpdate Add(Member member) => Changed(new MembershipState(Merged(_members, member), _rows));

    /// <summary>Adds the member <paramref name="id"/> as <see cref="MemberStatus.Joining"/>; see <see cref="Add"/>.</summary>
    /// <param name="id">The joining node.</param>
    /// <param name="name">Its display name.</param>
    /// <param name="addresses">Where it can be reached, as <c>host:port</c>.</param>
    /// <param name="relayCapable">Whether it offers to relay.</param>
    /// <param name="incarnation">
    /// Where the node starts counting: a value that grows across restarts (the start time in milliseconds since the
    /// epoch) lets a restarted node outrank what the mesh remembers of its previous run without keeping state.
    /// </param>
    public MembershipUpdate Join(NodeId id, string name, IReadOnlyList<string> addresses, bool relayCapable, long incarnation) =>
        Add(new Member(id, name, addresses, relayCapable, incarnation, MemberStatus.Joining));

    /// <summary>The node <paramref name="self"/> announces it is leaving (if it is joining or up).</summary>
    public MembershipUpdate Leave(NodeId self) =>
        Find(self) is { Status: MemberStatus.Joining or MemberStatus.Up } member
            ? WithStatus(member, MemberStatus.Leaving)
            : Unchanged;

    /// <summary>Declares <paramref name="id"/> dead (if it is not down or removed already). It can only come back by <see cref="Rejoin"/>.</summary>
    public MembershipUpdate Down(NodeId id) =>
        Find(id) is { Status: < MemberStatus.Down } member ? WithStatus(member, MemberStatus.Down) : Unchanged;

    /// <summary>
    /// The node <paramref name="self"/>, having been downed or removed (or restarted), comes back: its next
    /// incarnation, joining, outranks every version of it the mesh remembers. Its own old observations are dropped.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="self"/> is not a member.</exception>
    public MembershipUpdate Rejoin(NodeId self)
    {
        var member = Find(self) ?? throw new InvalidOperationException($"{self.Short} is not a member; it joins rather than rejoins");
        var reborn = member with { Incarnation = member.Incarnation + 1, Status = MemberStatus.Joining };
        return Changed(new MembershipState(_members.SetItem(self, reborn), _rows.Remove(self)));
    }

    /// <summary><paramref name="observer"/>'s failure detector lost <paramref name="subject"/>.</summary>
    public MembershipUpdate MarkUnreachable(NodeId observer, NodeId subject) => Mark(observer, subject, ReachabilityStatus.Unreachable);

    /// <summary><paramref name="observer"/>'s failure detector hears <paramref name="subject"/> again.</summary>
    public MembershipUpdate MarkReachable(NodeId observer, NodeId subject) => Mark(observer, subject, ReachabilityStatus.Reachable);

    /// <summary>This state merged with <paramref name="other"/> (gossip received), and the events that brings here.</summary>
    public MembershipUpdate Merge(MembershipState other) => Changed(MergedWith(other));

    /// <summary>
    /// Whether some current observer reports <paramref name="subject"/> unreachable. Observers that are down or
    /// removed, or whose row is from an earlier incarnation, are stale: their verdicts no longer count.
    /// </summary>
    public bool IsUnreachable(NodeId subject) =>
        _rows.Values.Any(row => row.Observer != subject && IsCurrent(row) && row.StatusOf(subject) == ReachabilityStatus.Unreachable);

    /// <summary>
    /// Whether <paramref name="subject"/> is reachable as <paramref name="viewer"/> sees it: the viewer always reaches
    /// itself, its own verdict on the subject wins, and without one any current observer's "unreachable" counts.
    /// </summary>
    public bool IsReachableFrom(NodeId viewer, NodeId subject)
    {
        if (viewer == subject)
        {
            return true;
        }

        if (_rows.TryGetValue(viewer, out var own) && own.ObserverIncarnation >= IncarnationOf(viewer) && own.StatusOf(subject) is { } verdict)
        {
            return verdict == ReachabilityStatus.Reachable;
        }

        return !IsUnreachable(subject);
    }

    /// <summary>
    /// Whether <paramref name="viewer"/> could still reach <paramref name="subject"/> through a relay: an up,
    /// relay-capable member that the viewer reaches and that has no current verdict of its own that the subject is
    /// unreachable. Two nodes that cannot connect to each other (behind different NATs) are then both alive and
    /// usable to each other, their lanes relayed (ADR 0015).
    /// </summary>
    public bool IsReachableThroughRelay(NodeId viewer, NodeId subject) =>
        Members.Any(relay => relay.RelayCapable && relay.Status == MemberStatus.Up && relay.Id != viewer && relay.Id != subject
            && IsReachableFrom(viewer, relay.Id)
            && !(_rows.TryGetValue(relay.Id, out var row) && IsCurrent(row) && row.StatusOf(subject) == ReachabilityStatus.Unreachable));

    /// <summary>How <paramref name="id"/> is shown by everyone's reports; null if it is not a member.</summary>
    public DisplayedStatus? DisplayedStatusOf(NodeId id) =>
        Find(id) is { } member ? Displayed(member, member.IsActive && IsUnreachable(id)) : null;

    /// <summary>How <paramref name="id"/> is shown from <paramref name="viewer"/>'s view; null if it is not a member.</summary>
    public DisplayedStatus? DisplayedStatusOf(NodeId id, NodeId viewer) =>
        Find(id) is { } member ? Displayed(member, member.IsActive && !IsReachableFrom(viewer, id)) : null;

    /// <summary>
    /// The leader as <paramref name="viewer"/> sees it: of the joining, up and leaving members it can reach, the one
    /// whose id comes first in ordinal order of the text form. Every side of a partition elects its own; null when
    /// no member qualifies.
    /// </summary>
    public NodeId? LeaderFor(NodeId viewer) =>
        Members.FirstOrDefault(m => m.IsActive && IsReachableFrom(viewer, m.Id)) is { } leader ? leader.Id : null;

    /// <summary>The state as gossip carries it.</summary>
    public MembershipGossip ToGossip() => new(Members, Reachability);

    /// <summary>
    /// The state a peer's gossip describes. Duplicates are merged and missing lists read as empty, since the gossip
    /// comes from the network; the fields are otherwise taken as they are (the name is display-only).
    /// </summary>
    /// <exception cref="FormatException">A status is not one of the known ones, or a counter is negative.</exception>
    public static MembershipState FromGossip(MembershipGossip gossip)
    {
        var members = ImmutableDictionary<NodeId, Member>.Empty;
        foreach (var member in gossip.Members ?? [])
        {
            members = Merged(members, GossipCheck.Member(member));
        }

        var rows = ImmutableDictionary<NodeId, ReachabilityRow>.Empty;
        foreach (var row in gossip.Reachability ?? [])
        {
            rows = Merged(rows, GossipCheck.Row(row));
        }

        return new MembershipState(members, rows);
    }

    /// <summary>The state without the members in <paramref name="ids"/> and without anything observed by or about them.</summary>
    internal MembershipState Without(IReadOnlyCollection<NodeId> ids)
    {
        if (ids.Count == 0)
        {
            return this;
        }

        var rows = _rows.RemoveRange(ids);
        foreach (var row in rows.Values)
        {
            var pruned = ids.Aggregate(row, (r, id) => r.StatusOf(id) is null ? r : r.Without(id));
            rows = rows.SetItem(row.Observer, pruned);
        }

        return new MembershipState(_members.RemoveRange(ids), rows);
    }

    /// <summary>The state with <paramref name="member"/>'s status set, at the same incarnation.</summary>
    internal MembershipUpdate WithStatus(Member member, MemberStatus status) =>
        Changed(new MembershipState(_members.SetItem(member.Id, member with { Status = status }), _rows));

    /// <inheritdoc/>
    public bool Equals(MembershipState? other) =>
        other is not null
        && _members.Count == other._members.Count
        && _rows.Count == other._rows.Count
        && _members.All(m => other._members.TryGetValue(m.Key, out var o) && m.Value.Equals(o))
        && _rows.All(r => other._rows.TryGetValue(r.Key, out var o) && r.Value.Equals(o));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MembershipState);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_members.Count, _rows.Count);

    private MembershipUpdate Unchanged => new(this, []);

    private MembershipUpdate Changed(MembershipState after) => MembershipChanges.Between(this, after);

    private MembershipState MergedWith(MembershipState other)
    {
        var members = _members;
        foreach (var member in other._members.Values)
        {
            members = Merged(members, member);
        }

        var rows = _rows;
        foreach (var row in other._rows.Values)
        {
            rows = Merged(rows, row);
        }

        return new MembershipState(members, rows);
    }

    private MembershipUpdate Mark(NodeId observer, NodeId subject, ReachabilityStatus status)
    {
        var incarnation = IncarnationOf(observer);
        var row = _rows.TryGetValue(observer, out var existing) && existing.ObserverIncarnation >= incarnation
            ? existing
            : new ReachabilityRow(observer, incarnation, 0, []);
        if (observer == subject || row.StatusOf(subject) == status)
        {
            return Unchanged;
        }

        return Changed(new MembershipState(_members, _rows.SetItem(observer, row.With(subject, status))));
    }

    private long IncarnationOf(NodeId id) => Find(id)?.Incarnation ?? 0;

    // A row counts while its observer is an active member and wrote it in its current incarnation (or a later one
    // whose member entry has not arrived yet).
    private bool IsCurrent(ReachabilityRow row) =>
        Find(row.Observer) is { IsActive: true } observer && row.ObserverIncarnation >= observer.Incarnation;

    private static DisplayedStatus Displayed(Member member, bool unreachable) => member.Status switch
    {
        _ when unreachable => DisplayedStatus.Unreachable,
        MemberStatus.Joining => DisplayedStatus.Joining,
        MemberStatus.Up => DisplayedStatus.Up,
        MemberStatus.Leaving => DisplayedStatus.Leaving,
        MemberStatus.Down => DisplayedStatus.Down,
        _ => DisplayedStatus.Removed,
    };

    private static ImmutableDictionary<NodeId, Member> Merged(ImmutableDictionary<NodeId, Member> members, Member member) =>
        members.TryGetValue(member.Id, out var known)
            ? members.SetItem(member.Id, MemberPrecedence.Winner(known, member))
            : members.Add(member.Id, member);

    private static ImmutableDictionary<NodeId, ReachabilityRow> Merged(ImmutableDictionary<NodeId, ReachabilityRow> rows, ReachabilityRow row) =>
        rows.TryGetValue(row.Observer, out var known)
            ? rows.SetItem(row.Observer, ReachabilityRowPrecedence.Winner(known, row))
            : rows.Add(row.Observer, row);
}
