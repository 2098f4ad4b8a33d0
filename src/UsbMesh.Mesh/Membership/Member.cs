using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>One node as the membership knows it. Two versions of the same member merge by <see cref="MemberPrecedence"/>.</summary>
/// <param name="Id">Its identity: the only field that may be trusted, since the transport proves it.</param>
/// <param name="Name">Its display name, as it announced it: for people, never for decisions.</param>
/// <param name="Addresses">Where it says it can be reached, as <c>host:port</c>.</param>
/// <param name="RelayCapable">Whether it offers to forward traffic between peers that cannot reach each other.</param>
/// <param name="Incarnation">Raised by the member alone, when it rejoins after being downed or removed.</param>
/// <param name="Status">Where it is in its life in the mesh.</param>
public sealed record Member(NodeId Id, string Name, IReadOnlyList<string> Addresses, bool RelayCapable, long Incarnation, MemberStatus Status)
{
    /// <summary>Whether it takes part in the mesh: joining, up or leaving (not down or removed).</summary>
    public bool IsActive => Status is MemberStatus.Joining or MemberStatus.Up or MemberStatus.Leaving;

    /// <summary>Field by field, the addresses as a sequence (a record would compare the list's reference).</summary>
    public bool Equals(Member? other) =>
        other is not null
        && Id == other.Id
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Addresses.SequenceEqual(other.Addresses, StringComparer.Ordinal)
        && RelayCapable == other.RelayCapable
        && Incarnation == other.Incarnation
        && Status == other.Status;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Name, Addresses.Count, RelayCapable, Incarnation, Status);
}
