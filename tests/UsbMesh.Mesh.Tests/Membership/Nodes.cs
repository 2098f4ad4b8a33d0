namespace UsbMesh.Mesh.Tests.Membership;

/// <summary>Node ids for tests, ordered: <c>Nodes.Ordered[0]</c> has the smallest text form.</summary>
internal static class Nodes
{
    public static IReadOnlyList<NodeId> Ordered { get; } =
        [.. Enumerable.Range(1, 8).Select(i => NodeId.FromPublicKey(Enumerable.Repeat((byte)(i * 17), 32).ToArray())).OrderBy(id => id.ToString(), StringComparer.Ordinal)];

    public static NodeId A => Ordered[0];

    public static NodeId B => Ordered[1];

    public static NodeId C => Ordered[2];

    public static NodeId D => Ordered[3];
}
