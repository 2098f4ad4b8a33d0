using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Everything one observer says about the reachability of others. Only the observer writes its row, raising
/// <see cref="Version"/> each time, so a merge keeps the newer row whole. <see cref="ObserverIncarnation"/> is the
/// observer's incarnation when it wrote the row: a rejoined observer's rows start over and win over its old ones.
/// </summary>
/// <param name="Observer">The node whose failure detector these verdicts come from.</param>
/// <param name="ObserverIncarnation">The observer's incarnation when it wrote the row.</param>
/// <param name="Version">Raised by the observer on every change of the row.</param>
/// <param name="Records">One verdict per subject, ordered by the subject's text form.</param>
public sealed record ReachabilityRow(NodeId Observer, long ObserverIncarnation, long Version, IReadOnlyList<ReachabilityRecord> Records)
{
    /// <summary>What the observer says about <paramref name="subject"/>; null if it has not said anything.</summary>
    public ReachabilityStatus? StatusOf(NodeId subject)
    {
        foreach (var record in Records)
        {
            if (record.Subject == subject)
            {
                return record.Status;
            }
        }

        return null;
    }

    /// <summary>Field by field, the records as a sequence (a record would compare the list's reference).</summary>
    public bool Equals(ReachabilityRow? other) =>
        other is not null
        && Observer == other.Observer
        && ObserverIncarnation == other.ObserverIncarnation
        && Version == other.Version
        && Records.SequenceEqual(other.Records);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Observer, ObserverIncarnation, Version, Records.Count);

    /// <summary>The row with <paramref name="subject"/>'s verdict set, one version later.</summary>
    internal ReachabilityRow With(NodeId subject, ReachabilityStatus status) => this with
    {
        Version = Version + 1,
        Records = [.. Records.Where(r => r.Subject != subject).Append(new ReachabilityRecord(subject, status)).OrderBy(r => r.Subject.ToString(), StringComparer.Ordinal)],
    };

    /// <summary>The row without anything about <paramref name="subject"/> (pruned), at the same version.</summary>
    internal ReachabilityRow Without(NodeId subject) => this with { Records = [.. Records.Where(r => r.Subject != subject)] };
}
