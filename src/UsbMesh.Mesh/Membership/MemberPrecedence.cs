namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Which of two versions of the same member wins a merge: the higher incarnation, then the later status. The
/// remaining fields only break ties between versions that should not exist (two announcements at one incarnation
/// and status), so that merging stays commutative and associative whatever arrives.
/// </summary>
internal sealed class MemberPrecedence : IComparer<Member>
{
    public static MemberPrecedence Instance { get; } = new();

    public static Member Winner(Member left, Member right) => Instance.Compare(left, right) >= 0 ? left : right;

    public int Compare(Member? x, Member? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var order = x.Incarnation.CompareTo(y.Incarnation);
        if (order == 0)
        {
            order = x.Status.CompareTo(y.Status);
        }

        if (order == 0)
        {
            order = string.CompareOrdinal(x.Name, y.Name);
        }

        if (order == 0)
        {
            order = x.RelayCapable.CompareTo(y.RelayCapable);
        }

        if (order == 0)
        {
            order = x.Addresses.Count.CompareTo(y.Addresses.Count);
        }

        for (var i = 0; order == 0 && i < x.Addresses.Count; i++)
        {
            order = string.CompareOrdinal(x.Addresses[i], y.Addresses[i]);
        }

        return order;
    }
}
