namespace UsbMesh.Mesh.Membership;

/// <summary>
/// A <see cref="MembershipState"/> as gossip carries it, serialisable with System.Text.Json. Read it back with
/// <see cref="MembershipState.FromGossip"/>, which checks what the peer sent.
/// </summary>
/// <param name="Members">Every member, tombstones included.</param>
/// <param name="Reachability">Every observer's row.</param>
public sealed record MembershipGossip(IReadOnlyList<Member> Members, IReadOnlyList<ReachabilityRow> Reachability);
