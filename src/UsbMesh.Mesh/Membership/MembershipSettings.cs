namespace UsbMesh.Mesh.Membership;

/// <summary>The leader's timing (<c>usbmesh.mesh</c>): when it downs, removes, and when tombstones are forgotten.</summary>
/// <param name="DownUnreachableAfter">How long a member may stay unreachable in the leader's view before the leader downs it.</param>
/// <param name="RemovalMargin">How long a downed member stays down before the leader removes it, so the news spreads first.</param>
/// <param name="TombstoneTtl">How long a removed member is remembered, so gossip still carrying it cannot bring it back.</param>
public sealed record MembershipSettings(TimeSpan DownUnreachableAfter, TimeSpan RemovalMargin, TimeSpan TombstoneTtl)
{
    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static MembershipSettings Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));
}
