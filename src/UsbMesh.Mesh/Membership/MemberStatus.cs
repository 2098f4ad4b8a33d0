using System.Text.Json.Serialization;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Where a member is in its life in the mesh. The order is the merge rank: at the same incarnation a later status
/// wins, so a member can only move forward (Joining, Up, Leaving, Down, Removed) until it rejoins.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemberStatus>))]
public enum MemberStatus
{
    /// <summary>Announced itself; the leader has not moved it up yet.</summary>
    Joining,

    /// <summary>A full member.</summary>
    Up,

    /// <summary>Said it is leaving; the leader removes it.</summary>
    Leaving,

    /// <summary>Declared dead (by an operator or by the leader's auto-down); the leader removes it after a margin.</summary>
    Down,

    /// <summary>Gone: kept as a tombstone for a while so stale gossip cannot bring it back, then pruned.</summary>
    Removed,
}
