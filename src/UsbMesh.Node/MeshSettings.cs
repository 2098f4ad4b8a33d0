using UsbMesh.Mesh.Membership;

namespace UsbMesh.Node;

/// <summary>How this node takes part in the mesh (<c>usbmesh.mesh</c>): whom it joins through, gossip, relaying, failure detection and the leader's timing.</summary>
/// <param name="SeedNodes">Nodes contacted at start to join the mesh, as <c>host:port</c>.</param>
/// <param name="GossipInterval">How often the node gossips its state to a peer.</param>
/// <param name="Relay">Whether and for whom the node relays.</param>
/// <param name="FailureDetector">Heartbeats and the phi accrual detector's settings.</param>
/// <param name="Membership">When the leader downs unreachable members, removes downed ones, and when tombstones are forgotten.</param>
/// <param name="AnnouncementTtl">How long this node's signed device announcement counts; it is re-issued at half of it.</param>
public sealed record MeshSettings(
    IReadOnlyList<string> SeedNodes,
    TimeSpan GossipInterval,
    RelaySettings Relay,
    FailureDetectorSettings FailureDetector,
    MembershipSettings Membership,
    TimeSpan AnnouncementTtl)
{
    public const string MeshPath = "usbmesh.mesh";

    private const string FailureDetectorPath = $"{MeshPath}.failure-detector";

    /// <summary>The longest interval or delay accepted: anything longer is a typo (a unit missing) rather than a wish.</summary>
    private static readonly TimeSpan LongestDelay = TimeSpan.FromHours(1);

    internal static MeshSettings Read(SettingsReader reader)
    {
        var gossipInterval = reader.PositiveDuration($"{MeshPath}.gossip-interval", LongestDelay);
        var tombstonePath = $"{MeshPath}.tombstone-ttl";
        var tombstoneTtl = reader.PositiveDuration(tombstonePath, LongestDelay);
        if (tombstoneTtl <= gossipInterval * 2)
        {
            throw reader.Invalid(tombstonePath, $"a tombstone must outlive a few gossip rounds (more than twice gossip-interval, {gossipInterval.TotalSeconds:0.###} s), or stale gossip could bring a removed node back");
        }

        return new MeshSettings(
            ReadSeedNodes(reader),
            gossipInterval,
            new RelaySettings(reader.Boolean($"{MeshPath}.relay.enabled"), ReadRelayAllow(reader)),
            ReadFailureDetector(reader),
            new MembershipSettings(
                DownUnreachableAfter: reader.PositiveDuration($"{MeshPath}.down-unreachable-after", LongestDelay),
                RemovalMargin: NonNegativeDuration(reader, $"{MeshPath}.removal-margin"),
                TombstoneTtl: tombstoneTtl),
            ReadAnnouncementTtl(reader, gossipInterval));
    }

    private static TimeSpan ReadAnnouncementTtl(SettingsReader reader, TimeSpan gossipInterval)
    {
        var path = $"{MeshPath}.announcement-ttl";
        var ttl = reader.PositiveDuration(path, TimeSpan.FromDays(1));
        return ttl > gossipInterval * 4
            ? ttl
            : throw reader.Invalid(path, $"an announcement must outlive several gossip rounds (more than four times gossip-interval, {gossipInterval.TotalSeconds:0.###} s), or peers would see devices vanish between re-issues");
    }

    private static List<string> ReadSeedNodes(SettingsReader reader)
    {
        var path = $"{MeshPath}.seed-nodes";
        var seeds = reader.Config.GetStringList(path);
        foreach (var seed in seeds)
        {
            AddressSettings.RequireRemote(reader, path, seed);
        }

        if (seeds.Distinct(StringComparer.OrdinalIgnoreCase).Count() != seeds.Count)
        {
            throw reader.Invalid(path, "a seed node is listed twice");
        }

        return [.. seeds];
    }

    private static List<string> ReadRelayAllow(SettingsReader reader)
    {
        var path = $"{MeshPath}.relay.allow";
        var allow = reader.Config.GetStringList(path);
        if (allow.Any(string.IsNullOrWhiteSpace))
        {
            throw reader.Invalid(path, "an empty name; list peers by their trust.peers name, or \"*\" for every trusted peer");
        }

        return [.. allow];
    }

    private static FailureDetectorSettings ReadFailureDetector(SettingsReader reader)
    {
        var thresholdPath = $"{FailureDetectorPath}.threshold";
        var threshold = reader.Config.GetDouble(thresholdPath);
        if (!double.IsFinite(threshold) || threshold is < 1 or > 100)
        {
            throw reader.Invalid(thresholdPath, FormattableString.Invariant($"{threshold} is out of range; the accepted range is 1 to 100 (8 to 12 suits most networks)"));
        }

        var heartbeatPath = $"{FailureDetectorPath}.heartbeat-interval";
        var heartbeat = reader.PositiveDuration(heartbeatPath, LongestDelay);
        return new FailureDetectorSettings(
            HeartbeatInterval: heartbeat,
            Threshold: threshold,
            MaxSampleSize: reader.Int($"{FailureDetectorPath}.max-sample-size", 1, 100_000),
            MinStdDeviation: reader.PositiveDuration($"{FailureDetectorPath}.min-std-deviation", LongestDelay),
            AcceptableHeartbeatPause: NonNegativeDuration(reader, $"{FailureDetectorPath}.acceptable-heartbeat-pause"),
            FirstHeartbeatEstimate: reader.PositiveDuration($"{FailureDetectorPath}.first-heartbeat-estimate", LongestDelay));
    }

    private static TimeSpan NonNegativeDuration(SettingsReader reader, string path)
    {
        var value = reader.Config.GetTimeSpan(path);
        return value >= TimeSpan.Zero && value <= LongestDelay
            ? value
            : throw reader.Invalid(path, "expected a duration from 0s up to 1h");
    }
}
