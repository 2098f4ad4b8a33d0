using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// The newest verified announcement of every node heard of, directly or through gossip: which node exports which
/// devices to whom. Not thread-safe: one actor owns it. Holding an announcement is not trusting its origin;
/// <see cref="VisibleTo"/> applies this node's trust list when devices are listed.
/// </summary>
public sealed class DeviceDirectory
{
    private readonly Dictionary<NodeId, SignedAnnouncement> _latest = [];

    // The sequence of each forgotten origin's last announcement: a copy of an older one, replayed after the origin
    // was forgotten (down, or no longer trusted) and before it announces again, must not bring back what it withdrew.
    // Kept until that announcement would have expired: an older one expires no later, so none can be replayed after.
    private readonly Dictionary<NodeId, (long Sequence, DateTimeOffset ExpiresAt)> _forgotten = [];
    private readonly TimeSpan _clockSkew;
    private readonly int _maxOrigins;

    /// <summary>A directory that allows <see cref="DefaultClockSkew"/> between clocks.</summary>
    public DeviceDirectory()
        : this(DefaultClockSkew)
    {
    }

    /// <summary>A directory that allows clocks to disagree by <paramref name="clockSkew"/>.</summary>
    /// <param name="clockSkew">How far in the future an announcement's issue time may be.</param>
    /// <param name="maxOrigins">How many origins it holds announcements of at most.</param>
    public DeviceDirectory(TimeSpan clockSkew, int maxOrigins = DefaultMaxOrigins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clockSkew, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOrigins, 1);
        _clockSkew = clockSkew;
        _maxOrigins = maxOrigins;
    }

    /// <summary>
    /// How many origins a directory holds by default. Announcements of origins this node does not trust are held too
    /// (they are passed on to their audience), so without a bound a trusted peer gone bad could fill the node's memory
    /// with announcements of freshly made keys; a mesh of more nodes than this is beyond what UsbMesh is built for.
    /// </summary>
    public const int DefaultMaxOrigins = 1024;

    /// <summary>
    /// How far clocks may disagree by default. Generous because small boards without a real-time clock run late until
    /// NTP catches up; an issue time further ahead than this would let an announcement outlive its intent.
    /// </summary>
    public static TimeSpan DefaultClockSkew { get; } = TimeSpan.FromMinutes(5);

    /// <summary>How many origins the directory holds an announcement of.</summary>
    public int Count => _latest.Count;

    /// <summary>The held announcements, in no particular order.</summary>
    public IEnumerable<SignedAnnouncement> Announcements => _latest.Values;

    /// <summary>The held announcement of <paramref name="origin"/>, if any (it may have expired since).</summary>
    /// <param name="origin">The node.</param>
    public SignedAnnouncement? Find(NodeId origin) => _latest.GetValueOrDefault(origin);

    /// <summary>Keeps <paramref name="offered"/> if it is genuine, current and newer than what is held from its origin.</summary>
    /// <param name="offered">An announcement from a peer or from this node.</param>
    /// <param name="now">The current time.</param>
    public OfferOutcome Offer(SignedAnnouncement offered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(offered);

        // The signature first: every other answer would otherwise be an answer about bytes nobody vouched for.
        if (offered.Verify() is { } forged)
        {
            return new OfferOutcome(OfferResult.Invalid, forged);
        }

        var announcement = offered.Announcement;
        if (announcement.IssuedAt > now + _clockSkew)
        {
            return new OfferOutcome(
                OfferResult.TooFarInFuture,
                $"issued at {announcement.IssuedAt:O}, more than {_clockSkew} after this node's clock ({now:O})");
        }

        if (announcement.ExpiresAt <= now)
        {
            return new OfferOutcome(OfferResult.Expired, $"expired at {announcement.ExpiresAt:O}");
        }

        if (_forgotten.TryGetValue(offered.Origin, out var last) && offered.Sequence < last.Sequence)
        {
            return new OfferOutcome(OfferResult.Stale, $"sequence {offered.Sequence} is older than the {last.Sequence} held before the origin was forgotten");
        }

        if (_latest.TryGetValue(offered.Origin, out var held))
        {
            if (offered.Sequence == held.Sequence)
            {
                return new OfferOutcome(OfferResult.Duplicate, $"sequence {offered.Sequence} is already held");
            }

            if (offered.Sequence < held.Sequence)
            {
                return new OfferOutcome(OfferResult.Stale, $"sequence {offered.Sequence} is older than the held {held.Sequence}");
            }
        }

        else if (_latest.Count >= _maxOrigins)
        {
            return new OfferOutcome(OfferResult.Full, $"the directory holds announcements of {_latest.Count} nodes, its limit");
        }

        _latest[offered.Origin] = offered;
        _forgotten.Remove(offered.Origin);
        return OfferOutcome.Accepted;
    }

    /// <summary>Drops the announcements that have expired.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The origins dropped: their devices are gone from the mesh until they announce again.</returns>
    public IReadOnlyList<NodeId> Prune(DateTimeOffset now)
    {
        var expired = _latest.Values.Where(a => a.Announcement.ExpiresAt <= now).Select(a => a.Origin).ToList();
        foreach (var origin in expired)
        {
            _latest.Remove(origin);
        }

        foreach (var origin in _forgotten.Where(f => f.Value.ExpiresAt <= now).Select(f => f.Key).ToList())
        {
            _forgotten.Remove(origin);
        }

        return expired;
    }

    /// <summary>
    /// Drops what is held from <paramref name="origin"/> (a node no longer trusted, say), remembering only its sequence:
    /// the same announcement is welcome again, an older one stays stale.
    /// </summary>
    /// <param name="origin">The node.</param>
    /// <returns>Whether anything was held.</returns>
    public bool Forget(NodeId origin)
    {
        if (!_latest.Remove(origin, out var held))
        {
            return false;
        }

        if (!_forgotten.TryGetValue(origin, out var earlier) || earlier.Sequence < held.Sequence)
        {
            _forgotten[origin] = (held.Sequence, held.Announcement.ExpiresAt);
        }

        return true;
    }

    /// <summary>The sequence held per origin: what a peer compares against its own to find what it lacks.</summary>
    public IReadOnlyDictionary<NodeId, long> Digest() => _latest.ToDictionary(e => e.Key, e => e.Value.Sequence);

    /// <summary>
    /// The announcements newer than <paramref name="peerDigest"/> that <paramref name="peer"/> may receive: those it
    /// issued itself or in which at least one device lists it in its audience, and the successors of announcements it
    /// holds already (so that a device withdrawn from it, or from everyone, disappears there too). A peer no
    /// announcement mentions learns nothing, not even which nodes exist.
    /// </summary>
    /// <param name="peer">The node asking.</param>
    /// <param name="peerDigest">The peer's <see cref="Digest"/>.</param>
    public IReadOnlyList<SignedAnnouncement> NewerFor(NodeId peer, IReadOnlyDictionary<NodeId, long> peerDigest)
    {
        ArgumentNullException.ThrowIfNull(peerDigest);
        return _latest.Values
            .Where(a => !peerDigest.TryGetValue(a.Origin, out var known) || known < a.Sequence)
            .Where(a => peerDigest.ContainsKey(a.Origin) || MayReceive(peer, a.Announcement))
            .ToList();
    }

    /// <summary>
    /// The devices <paramref name="self"/> may see: from origins it trusts, listing it in their audience, in
    /// announcements not yet expired. Ordered by origin name, then bus id.
    /// </summary>
    /// <param name="self">This node.</param>
    /// <param name="selfTrust">This node's trust list.</param>
    /// <param name="now">The current time.</param>
    public IReadOnlyList<VisibleDevice> VisibleTo(NodeId self, TrustList selfTrust, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(selfTrust);
        var visible = new List<VisibleDevice>();
        foreach (var (origin, signed) in _latest)
        {
            if (selfTrust.Find(origin) is not { } trusted || signed.Announcement.ExpiresAt <= now)
            {
                continue;
            }

            visible.AddRange(signed.Announcement.Devices
                .Where(d => d.Audience.Contains(self))
                .Select(d => new VisibleDevice(origin, trusted.Name, signed.Announcement.Name, d)));
        }

        return [.. visible
            .OrderBy(v => v.OriginName, StringComparer.Ordinal)
            .ThenBy(v => v.Device.BusId, StringComparer.Ordinal)];
    }

    private static bool MayReceive(NodeId peer, DeviceAnnouncement announcement) =>
        announcement.Origin == peer || announcement.Devices.Any(d => d.Audience.Contains(peer));
}
