using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Sessions;

/// <summary>The protocol of <see cref="ClientSessionsActor"/>, the exporting node's sessions.</summary>
public static class ClientSessions
{
    /// <summary>A peer opened a session lane and said hello; the session answers on the lane itself.</summary>
    /// <param name="Peer">The importing node, as its transport proved it.</param>
    /// <param name="Hello">What it asked for.</param>
    /// <param name="Lane">The lane.</param>
    public sealed record Arrived(NodeId Peer, SessionHello Hello, ILane Lane);

    /// <summary>Asks for <see cref="Current"/>.</summary>
    public sealed record List
    {
        public static readonly List Instance = new();
    }

    /// <summary>The sessions this node serves.</summary>
    public sealed record Current(IReadOnlyList<SessionSummary> Sessions);

    /// <summary>One session, for operators.</summary>
    /// <param name="Id">The session id.</param>
    /// <param name="Importer">The importing node.</param>
    /// <param name="BusId">The device.</param>
    /// <param name="Connected">Whether both lanes are up (false while it waits out a cut).</param>
    /// <param name="Stats">What it carried so far; null until the device is leased.</param>
    public sealed record SessionSummary(Guid Id, NodeId Importer, string BusId, bool Connected, SessionStats? Stats = null);

    /// <summary>Ends session <paramref name="Id"/> now: its lease is released and the importer told it is over. Answer: <see cref="Killed"/>.</summary>
    public sealed record Kill(Guid Id);

    /// <summary>The answer to <see cref="Kill"/>; <paramref name="Found"/> is false when no such session runs.</summary>
    public sealed record Killed(Guid Id, bool Found);

    /// <summary>What a session tells its parent about itself.</summary>
    internal sealed record Changed(SessionSummary Summary);
}
