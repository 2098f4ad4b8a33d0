using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>An observer's latest verdict on one subject; part of the observer's <see cref="ReachabilityRow"/>.</summary>
/// <param name="Subject">The node observed.</param>
/// <param name="Status">What the observer's failure detector says about it.</param>
public sealed record ReachabilityRecord(NodeId Subject, ReachabilityStatus Status);
