namespace UsbMesh.Mesh.Membership;

/// <summary>
/// A member's state as shown to people and used for decisions: its <see cref="MemberStatus"/>, except that an
/// active member some observer cannot reach is shown as <see cref="Unreachable"/>.
/// </summary>
public enum DisplayedStatus
{
    /// <summary>Announced itself; not up yet.</summary>
    Joining,

    /// <summary>A full member, reachable.</summary>
    Up,

    /// <summary>Leaving, reachable.</summary>
    Leaving,

    /// <summary>Joining, up or leaving, but an observer's failure detector lost it.</summary>
    Unreachable,

    /// <summary>Declared dead.</summary>
    Down,

    /// <summary>Gone (a tombstone).</summary>
    Removed,
}
