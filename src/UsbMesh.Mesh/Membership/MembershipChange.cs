namespace UsbMesh.Mesh.Membership;

/// <summary>Something that happened to a member, for the membership actor to publish as an event.</summary>
/// <param name="Member">The member as it is after the change.</param>
public abstract record MembershipChange(Member Member);

/// <summary>A node announced itself (or came back with a new incarnation).</summary>
public sealed record MemberJoined(Member Member) : MembershipChange(Member);

/// <summary>The leader moved a joining member up.</summary>
public sealed record MemberUp(Member Member) : MembershipChange(Member);

/// <summary>A member said it is leaving.</summary>
public sealed record MemberLeft(Member Member) : MembershipChange(Member);

/// <summary>An observer's failure detector lost an active member.</summary>
public sealed record MemberUnreachable(Member Member) : MembershipChange(Member);

/// <summary>No observer reports an active member unreachable any more.</summary>
public sealed record MemberReachable(Member Member) : MembershipChange(Member);

/// <summary>A member was declared dead.</summary>
public sealed record MemberDowned(Member Member) : MembershipChange(Member);

/// <summary>A member is gone: it left, or was downed and the removal margin passed.</summary>
public sealed record MemberRemoved(Member Member) : MembershipChange(Member);
