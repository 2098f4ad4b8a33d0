using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// Keeps the mesh's device directory on this node. It signs this node's announcement (again whenever the exported
/// devices change, and before the last one expires), and every gossip interval sends each connected peer a digest;
/// a peer answers with the announcements the digest lacks that it may pass on (those with a device shared with the
/// asking node), so every announcement spreads to the nodes allowed to see it and to no other.
/// </summary>
public sealed class DirectoryActor : ReceiveActor, IWithTimers
{
    private const string GossipTimer = "gossip";

    private readonly MeshDirectory.Settings _settings;
    private readonly NodeIdentity _identity;
    private readonly Func<TrustList> _trust;
    private readonly Remoting _remoting;
    private readonly DeviceDirectory _directory = new();
    private readonly AnnouncementFactory _factory;
    private readonly HashSet<NodeId> _down = [];
    private readonly ILoggingAdapter _log;
    private IReadOnlyList<ExportedDevice> _localDevices = [];
    private SignedAnnouncement? _own;
    private IReadOnlyList<VisibleDevice> _visible = [];

    public DirectoryActor(MeshDirectory.Settings settings, NodeIdentity identity, Func<TrustList> trust, Remoting remoting)
    {
        _settings = settings;
        _identity = identity;
        _trust = trust;
        _remoting = remoting;
        _factory = new AnnouncementFactory(identity, settings.AnnouncementTtl);
        _log = Context.GetLogger();
        Receive<MeshDirectory.LocalDevices>(OnLocalDevices);
        Receive<GossipTick>(_ => Gossip());
        Receive<MeshDirectory.Digest>(OnDigest);
        Receive<MeshDirectory.Offers>(OnOffers);
        Receive<MeshDirectory.GetVisible>(_ => Sender.Tell(new MeshDirectory.Visible(_visible)));
        Receive<MeshDirectory.OriginDown>(down =>
        {
            _down.Add(down.Node);
            _directory.Forget(down.Node);
            UpdateVisible();
        });
        Receive<MeshDirectory.OriginUp>(up => _down.Remove(up.Node));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MeshDirectory.Settings settings, NodeIdentity identity, Func<TrustList> trust, Remoting remoting) =>
        Actors.Props.Create(() => new DirectoryActor(settings, identity, trust, remoting));

    protected override void PreStart()
    {
        Reissue(DateTimeOffset.UtcNow);
        Timers.StartPeriodicTimer(GossipTimer, GossipTick.Instance, _settings.GossipInterval);
    }

    private void OnLocalDevices(MeshDirectory.LocalDevices local)
    {
        if (local.Devices.SequenceEqual(_localDevices, ExportedDeviceComparer.Instance))
        {
            return;
        }

        _localDevices = local.Devices;
        Reissue(DateTimeOffset.UtcNow);
        SendDigests();
    }

    private void Gossip()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var origin in _directory.Prune(now))
        {
            _log.Info("The announcement of node {0} expired: its devices are no longer shown", origin.Short);
        }

        // Re-issued at half its lifetime, so peers never see it expire while this node is up.
        if (_own is null || now >= _own.Announcement.IssuedAt + (_settings.AnnouncementTtl / 2))
        {
            Reissue(now);
        }

        SendDigests();
        UpdateVisible();
    }

    private void Reissue(DateTimeOffset now)
    {
        try
        {
            _own = _factory.Issue(_settings.NodeName, _settings.Addresses, _settings.RelayCapable, _localDevices, _trust(), now);
            _directory.Offer(_own, now);
        }
        catch (ArgumentException e)
        {
            _log.Error("This node's devices cannot be announced: {0}", e.Message);
        }
    }

    private void SendDigests()
    {
        var digest = new MeshDirectory.Digest(_directory.Digest().ToDictionary(e => e.Key.ToString(), e => e.Value));
        var trust = _trust();
        foreach (var node in _remoting.ConnectedNodes)
        {
            if (trust.Find(node) is not null)
            {
                _remoting.ActorFor(node, MeshDirectory.ActorPath).Tell(digest, Self);
            }
        }
    }

    private void OnDigest(MeshDirectory.Digest digest)
    {
        if (Sender is not RemoteActorRef { Node: var peer } || _trust().Find(peer) is null)
        {
            return;
        }

        var known = new Dictionary<NodeId, long>();
        foreach (var (origin, sequence) in digest.Sequences)
        {
            if (NodeId.TryParse(origin, out var id, out _))
            {
                known[id] = sequence;
            }
        }

        _directory.Prune(DateTimeOffset.UtcNow);
        var missing = _directory.NewerFor(peer, known);
        if (OwnAnnouncementForRelay(peer, known) is { } own)
        {
            missing = [.. missing, own];
        }

        if (missing.Count > 0)
        {
            Sender.Tell(new MeshDirectory.Offers([.. missing.Select(a => a.ToWire())]), Self);
        }
    }

    /// <summary>
    /// This node's announcement for a relay it may use, whatever the relay may see of it: a node that only the relay
    /// connects to this one (the case relaying is for) learns this node's devices from the relay, which passes on what
    /// it holds to each announcement's audience (<see cref="DeviceDirectory.NewerFor"/>). The relay cannot change
    /// the signed announcement, and shows itself only the devices shared with it (docs/adr/0015).
    /// </summary>
    /// <returns>Null when <paramref name="peer"/> is no relay of this node's, or holds the announcement already.</returns>
    private SignedAnnouncement? OwnAnnouncementForRelay(NodeId peer, Dictionary<NodeId, long> known) =>
        _own is { } own && _remoting.Relays.Contains(peer) && own.Announcement.Devices.Count > 0
            && (!known.TryGetValue(own.Origin, out var held) || held < own.Sequence)
            && !own.Announcement.Devices.Any(d => d.Audience.Contains(peer))
            ? own
            : null;

    private void OnOffers(MeshDirectory.Offers offers)
    {
        var from = Sender is RemoteActorRef remote ? remote.Node.Short : "?";
        var now = DateTimeOffset.UtcNow;
        var refusedForRoom = 0;
        foreach (var wire in offers.Announcements)
        {
            if (!SignedAnnouncement.TryDecode(wire, out var announcement, out var error))
            {
                _log.Warning("Node {0} passed on a malformed announcement: {1}", from, error);
                continue;
            }

            if (_down.Contains(announcement.Origin) || announcement.Origin == _identity.Id)
            {
                continue;
            }

            var outcome = _directory.Offer(announcement, now);
            if (outcome.Result == OfferResult.Invalid)
            {
                _log.Warning("Node {0} passed on an announcement of node {1} that was refused: {2}", from, announcement.Origin.Short, outcome.Reason);
            }

            refusedForRoom += outcome.Result == OfferResult.Full ? 1 : 0;
        }

        // One line per gossip message, however many it carried: a peer that floods the directory must not flood the log.
        if (refusedForRoom > 0)
        {
            _log.Warning("Node {0} passed on announcements of {1} more nodes, refused: the directory holds announcements of {2} nodes, its limit", from, refusedForRoom, _directory.Count);
        }

        UpdateVisible();
    }

    private void UpdateVisible()
    {
        var visible = _directory.VisibleTo(_identity.Id, _trust(), DateTimeOffset.UtcNow);
        // Announcements are decoded afresh from every offer: compare what is shown, not object identity.
        if (visible.Select(Key).SequenceEqual(_visible.Select(Key)))
        {
            return;
        }

        _visible = visible;
        if (visible.Count == 0)
        {
            _log.Info("The mesh shows this node no devices");
        }
        else
        {
            _log.Info("The mesh shows this node {0} device(s): {1}", visible.Count, string.Join(", ", visible.Select(Describe)));
        }

        Context.System.EventStream.Publish(new MeshDirectory.VisibleChanged(visible));
    }

    private static string Key(VisibleDevice visible) => $"{visible.Origin}/{Describe(visible)}/{visible.Device.Product}";

    private static string Describe(VisibleDevice visible) =>
        $"{visible.OriginName}/{visible.Device.BusId} {visible.Device.VendorId:x4}:{visible.Device.ProductId:x4}";

    private sealed record GossipTick
    {
        public static readonly GossipTick Instance = new();
    }

    /// <summary>Two lists of exports are the same when each device and its share-with list are.</summary>
    private sealed class ExportedDeviceComparer : IEqualityComparer<ExportedDevice>
    {
        public static readonly ExportedDeviceComparer Instance = new();

        public bool Equals(ExportedDevice? x, ExportedDevice? y) =>
            x is not null && y is not null && x.Device.BusId == y.Device.BusId && x.Device.VendorId == y.Device.VendorId
            && x.Device.ProductId == y.Device.ProductId && x.Device.Product == y.Device.Product && x.ShareWith.SequenceEqual(y.ShareWith);

        public int GetHashCode(ExportedDevice obj) => obj.Device.BusId.GetHashCode(StringComparison.Ordinal);
    }
}
