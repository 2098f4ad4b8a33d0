using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// Issues this node's announcements: each device's audience from its share-with list and the trust list, a sequence
/// that keeps increasing across restarts without storing anything, and an expiry <see cref="TimeToLive"/> ahead.
/// One per node; not thread-safe.
/// </summary>
public sealed class AnnouncementFactory
{
    private readonly NodeIdentity _identity;
    private long _lastSequence;

    /// <summary>A factory that signs with <paramref name="identity"/>.</summary>
    /// <param name="identity">This node's key.</param>
    /// <param name="timeToLive">How long an announcement counts; re-issue well before it runs out.</param>
    public AnnouncementFactory(NodeIdentity identity, TimeSpan timeToLive)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        _identity = identity;
        TimeToLive = timeToLive;
    }

    /// <summary>How long an announcement counts after it is issued.</summary>
    public TimeSpan TimeToLive { get; }

    /// <summary>The sequence of the last announcement issued (0 before the first).</summary>
    public long LastSequence => _lastSequence;

    /// <summary>Builds and signs this node's current announcement.</summary>
    /// <param name="name">This node's name for itself (display only to others).</param>
    /// <param name="addresses">Where this node can be reached, <c>host:port</c>.</param>
    /// <param name="relayCapable">Whether this node relays.</param>
    /// <param name="exports">The exported devices with their share-with lists.</param>
    /// <param name="trust">This node's trust list: only its peers ever make an audience.</param>
    /// <param name="now">The current time.</param>
    /// <exception cref="ArgumentException">The announcement would exceed a cap of <see cref="AnnouncementFormat"/>.</exception>
    public SignedAnnouncement Issue(
        string name,
        IReadOnlyList<string> addresses,
        bool relayCapable,
        IEnumerable<ExportedDevice> exports,
        TrustList trust,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(exports);
        ArgumentNullException.ThrowIfNull(trust);

        // The clock carries the sequence across restarts: a restarted node starts at "now in milliseconds", past
        // anything it issued before unless it issued more than one per millisecond just before stopping.
        _lastSequence = Math.Max(_lastSequence + 1, now.ToUnixTimeMilliseconds());

        var devices = exports.Select(e => Describe(e, trust)).ToList();
        var announcement = new DeviceAnnouncement(
            _identity.Id, name, addresses, relayCapable, _lastSequence, now, now + TimeToLive, devices);
        return SignedAnnouncement.Create(_identity, announcement);
    }

    private static AnnouncedDevice Describe(ExportedDevice export, TrustList trust)
    {
        var audience = trust.Peers.Where(p => trust.MayImport(p.Id, export.ShareWith)).Select(p => p.Id).ToList();

        // String descriptors come from the device and may run past the cap; they are for display, so cut rather
        // than fail the whole announcement.
        var device = export.Device;
        return device with
        {
            Manufacturer = Utf8Text.Truncate(device.Manufacturer, AnnouncementFormat.MaxStringBytes),
            Product = Utf8Text.Truncate(device.Product, AnnouncementFormat.MaxStringBytes),
            Serial = Utf8Text.Truncate(device.Serial, AnnouncementFormat.MaxStringBytes),
            Audience = audience,
        };
    }
}
