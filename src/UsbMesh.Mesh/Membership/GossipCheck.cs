namespace UsbMesh.Mesh.Membership;

/// <summary>
/// Brings what a peer's gossip says into the shape the state relies on. Deserialised records can hold nulls where
/// the types say none, undefined enum values and unordered lists; those become empty values, an error, and order.
/// </summary>
internal static class GossipCheck
{
    public static Member Member(Member member)
    {
        if (member.Id == default)
        {
            throw new FormatException("a member in the gossip has no id");
        }

        if (!Enum.IsDefined(member.Status))
        {
            throw new FormatException($"member {member.Id.Short} has an unknown status ({(int)member.Status})");
        }

        if (member.Incarnation < 0)
        {
            throw new FormatException($"member {member.Id.Short} has a negative incarnation");
        }

        return member with { Name = member.Name ?? "", Addresses = [.. (member.Addresses ?? []).Where(a => a is not null)] };
    }

    public static ReachabilityRow Row(ReachabilityRow row)
    {
        if (row.Observer == default)
        {
            throw new FormatException("a reachability row in the gossip has no observer");
        }

        if (row.ObserverIncarnation < 0 || row.Version < 0)
        {
            throw new FormatException($"the reachability row of {row.Observer.Short} has a negative incarnation or version");
        }

        var records = new List<ReachabilityRecord>();
        foreach (var record in row.Records ?? [])
        {
            if (record is null || record.Subject == default || !Enum.IsDefined(record.Status))
            {
                throw new FormatException($"the reachability row of {row.Observer.Short} has a record without a subject or with an unknown status");
            }

            records.Add(record);
        }

        // One verdict per subject, in the order the state keeps; of duplicates the suspicious one, to err on caution.
        return row with
        {
            Records = [.. records
                .GroupBy(r => r.Subject)
                .Select(g => g.MaxBy(r => r.Status)!)
                .OrderBy(r => r.Subject.ToString(), StringComparer.Ordinal)],
        };
    }
}
