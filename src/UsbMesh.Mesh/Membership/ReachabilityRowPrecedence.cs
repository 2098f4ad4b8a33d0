namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Which of two rows of the same observer wins a merge: the later incarnation of the observer, then the higher
/// version. The records only break ties between rows that should not exist (two writes at one version), so that
/// merging stays commutative and associative whatever arrives.
/// </summary>
internal sealed class ReachabilityRowPrecedence : IComparer<ReachabilityRow>
{
    public static ReachabilityRowPrecedence Instance { get; } = new();

    public static ReachabilityRow Winner(ReachabilityRow left, ReachabilityRow right) => Instance.Compare(left, right) >= 0 ? left : right;

    public int Compare(ReachabilityRow? x, ReachabilityRow? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var order = x.ObserverIncarnation.CompareTo(y.ObserverIncarnation);
        if (order == 0)
        {
            order = x.Version.CompareTo(y.Version);
        }

        if (order == 0)
        {
            order = x.Records.Count.CompareTo(y.Records.Count);
        }

        for (var i = 0; order == 0 && i < x.Records.Count; i++)
        {
            order = string.CompareOrdinal(x.Records[i].Subject.ToString(), y.Records[i].Subject.ToString());
            if (order == 0)
            {
                order = x.Records[i].Status.CompareTo(y.Records[i].Status);
            }
        }

        return order;
    }
}
