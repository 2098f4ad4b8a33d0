namespace UsbMesh.Mesh.Membership;

/// <summary>The protocol of <see cref="MembershipActor"/>.</summary>
public static class MeshMembership
{
    /// <summary>Where every node's membership actor lives.</summary>
    public const string ActorPath = "/user/mesh/membership";

    /// <summary>This node leaves the mesh: it becomes Leaving, then the leader removes it.</summary>
    public sealed record Leave
    {
        public static readonly Leave Instance = new();
    }

    /// <summary>The reply to <see cref="Leave"/>: the other members have been told.</summary>
    public sealed record Leaving
    {
        public static readonly Leaving Instance = new();
    }

    /// <summary>Asks for <see cref="CurrentState"/>.</summary>
    public sealed record GetState
    {
        public static readonly GetState Instance = new();
    }

    /// <summary>The membership as this node sees it.</summary>
    public sealed record CurrentState(MembershipState State);

    /// <summary>Between nodes: a node asks a seed (or any member) to be let in.</summary>
    public sealed record Join(Member Joiner);

    /// <summary>Between nodes: "I am alive", sent to every member each heartbeat interval.</summary>
    public sealed record Heartbeat(long Incarnation);

    /// <summary>Between nodes: the sender's whole membership state.</summary>
    public sealed record Gossip(MembershipGossip State);

    /// <summary>Who this node is in the mesh and how membership is run.</summary>
    /// <param name="NodeName">The display name (not trusted by others).</param>
    /// <param name="Addresses">Where peers reach this node.</param>
    /// <param name="RelayCapable">Whether this node relays for others.</param>
    /// <param name="SeedNodes">Where to ask to join (<c>host:port</c>); empty: this node starts a mesh.</param>
    /// <param name="GossipInterval">How often the state is gossiped and the leader acts.</param>
    /// <param name="FailureDetector">Heartbeats and the phi accrual thresholds.</param>
    /// <param name="Membership">Auto-down, removal and tombstone timing.</param>
    public sealed record Settings(
        string NodeName,
        IReadOnlyList<string> Addresses,
        bool RelayCapable,
        IReadOnlyList<string> SeedNodes,
        TimeSpan GossipInterval,
        FailureDetectorSettings FailureDetector,
        MembershipSettings Membership);
}
