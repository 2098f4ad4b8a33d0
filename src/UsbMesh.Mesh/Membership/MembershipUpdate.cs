namespace UsbMesh.Mesh.Membership;

/// <summary>The result of an operation on a <see cref="MembershipState"/>: the new state and what changed on the way.</summary>
/// <param name="State">The state after the operation.</param>
/// <param name="Changes">What changed, status changes first, then reachability, each ordered by member id.</param>
public sealed record MembershipUpdate(MembershipState State, IReadOnlyList<MembershipChange> Changes)
{
    /// <summary>Whether anything changed.</summary>
    public bool HasChanges => Changes.Count > 0;
}
