using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Tests.Announcements;

public sealed class DeviceDirectoryTests
{
    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeIdentity _desk = NodeIdentity.Generate();
    private readonly NodeIdentity _laptop = NodeIdentity.Generate();
    private readonly NodeIdentity _stranger = NodeIdentity.Generate();
    private readonly DeviceDirectory _directory = new();

    private static DateTimeOffset Now => Samples.Now;

    [Fact]
    public void A_newer_announcement_replaces_the_held_one()
    {
        Assert.True(_directory.Offer(Samples.Signed(_hub, 1), Now).IsAccepted);
        Assert.True(_directory.Offer(Samples.Signed(_hub, 2), Now).IsAccepted);

        Assert.Equal(2, _directory.Find(_hub.Id)!.Sequence);
        Assert.Equal(1, _directory.Count);
    }

    [Fact]
    public void A_replayed_older_sequence_is_stale_and_the_same_sequence_a_duplicate()
    {
        var first = Samples.Signed(_hub, 5);
        _directory.Offer(first, Now);
        _directory.Offer(Samples.Signed(_hub, 6), Now);

        Assert.Equal(OfferResult.Stale, _directory.Offer(first, Now).Result);
        Assert.Equal(OfferResult.Duplicate, _directory.Offer(Samples.Signed(_hub, 6), Now).Result);
        Assert.Equal(6, _directory.Find(_hub.Id)!.Sequence);
    }

    [Fact]
    public void A_forged_announcement_is_invalid_and_changes_nothing()
    {
        var genuine = Samples.Signed(_hub, 1);
        _directory.Offer(genuine, Now);
        var forgedWire = Samples.SignedBy(_stranger, Samples.Announcement(_hub, 9));
        Assert.True(SignedAnnouncement.TryDecode(forgedWire, out var forged, out _));

        var outcome = _directory.Offer(forged, Now);

        Assert.Equal(OfferResult.Invalid, outcome.Result);
        Assert.NotNull(outcome.Reason);
        Assert.Same(genuine, _directory.Find(_hub.Id));
    }

    [Fact]
    public void An_expired_announcement_is_refused_and_a_held_one_is_pruned_once_it_expires()
    {
        var tenMinutes = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 1, Now, TimeSpan.FromMinutes(10)));
        Assert.Equal(OfferResult.Expired, _directory.Offer(tenMinutes, Now.AddMinutes(10)).Result);

        Assert.True(_directory.Offer(tenMinutes, Now).IsAccepted);
        _directory.Offer(SignedAnnouncement.Create(_desk, Samples.Announcement(_desk, 1, Now.AddMinutes(5))), Now.AddMinutes(5));

        Assert.Empty(_directory.Prune(Now.AddMinutes(9)));
        Assert.Equal([_hub.Id], _directory.Prune(Now.AddMinutes(10)));
        Assert.Null(_directory.Find(_hub.Id));
        Assert.NotNull(_directory.Find(_desk.Id));
    }

    [Fact]
    public void An_announcement_issued_beyond_the_clock_skew_is_refused()
    {
        var directory = new DeviceDirectory(TimeSpan.FromMinutes(1));
        var early = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 1, Now.AddMinutes(2)));
        var slightlyEarly = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 2, Now.AddSeconds(30)));

        Assert.Equal(OfferResult.TooFarInFuture, directory.Offer(early, Now).Result);
        Assert.True(directory.Offer(slightlyEarly, Now).IsAccepted);
    }

    [Fact]
    public void Forgetting_an_origin_drops_its_announcement()
    {
        _directory.Offer(Samples.Signed(_hub, 1), Now);

        Assert.True(_directory.Forget(_hub.Id));
        Assert.False(_directory.Forget(_hub.Id));
        Assert.Empty(_directory.Digest());
    }

    [Fact]
    public void Origins_beyond_the_limit_are_refused_while_the_held_ones_keep_being_updated()
    {
        var directory = new DeviceDirectory(DeviceDirectory.DefaultClockSkew, maxOrigins: 2);
        Assert.True(directory.Offer(Samples.Signed(_hub, 1), Now).IsAccepted);
        Assert.True(directory.Offer(Samples.Signed(_desk, 1), Now).IsAccepted);

        var refused = directory.Offer(Samples.Signed(_stranger, 1), Now);
        Assert.Equal(OfferResult.Full, refused.Result);
        Assert.Contains("2 nodes", refused.Reason);
        Assert.True(directory.Offer(Samples.Signed(_hub, 2), Now).IsAccepted);
        Assert.Equal(2, directory.Count);

        // Room again once an origin is forgotten.
        directory.Forget(_desk.Id);
        Assert.True(directory.Offer(Samples.Signed(_stranger, 1), Now).IsAccepted);
    }

    [Fact]
    public void A_forgotten_origins_sequence_is_kept_only_while_a_replay_could_still_be_current()
    {
        var old = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 5, Now));
        _directory.Offer(old, Now);
        _directory.Offer(SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 6, Now)), Now);
        _directory.Forget(_hub.Id);
        var expiry = Samples.Announcement(_hub, 6, Now).ExpiresAt;

        // Within the newest's lifetime the older one stays stale; after it, no copy of either can be current, and a
        // node that restarted with its sequence from the start is welcome.
        Assert.Equal(OfferResult.Stale, _directory.Offer(old, Now).Result);
        _directory.Prune(expiry);
        var restarted = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, 1, expiry));
        Assert.True(_directory.Offer(restarted, expiry).IsAccepted);
    }

    [Fact]
    public void A_replayed_older_announcement_does_not_return_after_its_origin_was_forgotten()
    {
        // Regression: forgetting an origin (down, or untrusted) dropped its sequence too, so a copy of an older
        // announcement replayed before the origin announced again was accepted and showed what it had withdrawn.
        var shared = Samples.Signed(_hub, 5, Samples.Device("1-1", _desk.Id));
        var withdrawn = Samples.Signed(_hub, 6);
        _directory.Offer(shared, Now);
        _directory.Offer(withdrawn, Now);
        _directory.Forget(_hub.Id);

        var replayed = _directory.Offer(shared, Now);

        Assert.Equal(OfferResult.Stale, replayed.Result);
        Assert.Contains("before the origin was forgotten", replayed.Reason, StringComparison.Ordinal);
        Assert.Null(_directory.Find(_hub.Id));
        Assert.True(_directory.Offer(withdrawn, Now).IsAccepted, "the announcement held before is welcome again");
        Assert.Equal(6, _directory.Find(_hub.Id)!.Sequence);
    }

    [Fact]
    public void Devices_are_visible_only_from_trusted_origins_that_list_this_node_in_the_audience()
    {
        _directory.Offer(Samples.Signed(_hub, 1, Samples.Device("1-1", _desk.Id), Samples.Device("1-2", _laptop.Id)), Now);
        _directory.Offer(Samples.Signed(_stranger, 1, Samples.Device("3-1", _desk.Id)), Now);
        var deskTrust = TrustList.Of([new TrustedPeer("pi", _hub.Id, Admin: false, "node.conf:3")]);

        var visible = _directory.VisibleTo(_desk.Id, deskTrust, Now);

        var only = Assert.Single(visible);
        Assert.Equal((_hub.Id, "pi", "hub", "1-1"), (only.Origin, only.OriginName, only.AnnouncedName, only.Device.BusId));
        Assert.Empty(_directory.VisibleTo(_desk.Id, TrustList.Empty, Now));
        Assert.Empty(_directory.VisibleTo(_desk.Id, deskTrust, Now.AddMinutes(10)));
    }

    [Fact]
    public void The_digest_names_the_held_sequence_of_every_origin()
    {
        _directory.Offer(Samples.Signed(_hub, 4), Now);
        _directory.Offer(Samples.Signed(_desk, 9), Now);

        var digest = _directory.Digest();

        Assert.Equal(2, digest.Count);
        Assert.Equal((4L, 9L), (digest[_hub.Id], digest[_desk.Id]));
    }

    [Fact]
    public void A_peer_is_handed_only_what_it_lacks()
    {
        _directory.Offer(Samples.Signed(_hub, 4, Samples.Device("1-1", _desk.Id)), Now);

        Assert.Single(_directory.NewerFor(_desk.Id, new Dictionary<NodeId, long>()));
        Assert.Single(_directory.NewerFor(_desk.Id, new Dictionary<NodeId, long> { [_hub.Id] = 3 }));
        Assert.Empty(_directory.NewerFor(_desk.Id, new Dictionary<NodeId, long> { [_hub.Id] = 4 }));
        Assert.Empty(_directory.NewerFor(_desk.Id, new Dictionary<NodeId, long> { [_hub.Id] = 5 }));
    }

    [Fact]
    public void A_peer_is_never_handed_an_announcement_it_is_in_no_audience_of()
    {
        var nodes = new[] { _hub, _desk, _laptop, _stranger };
        var random = new Random(20250601);
        foreach (var origin in nodes)
        {
            var devices = Enumerable.Range(0, random.Next(0, 4))
                .Select(i => Samples.Device($"1-{i}", [.. nodes.Where(_ => random.Next(3) == 0).Select(n => n.Id)]))
                .ToArray();
            _directory.Offer(Samples.Signed(origin, 1, devices), Now);
        }

        var outsider = NodeIdentity.Generate().Id;
        Assert.Empty(_directory.NewerFor(outsider, new Dictionary<NodeId, long>()));
        foreach (var peer in nodes.Select(n => n.Id))
        {
            foreach (var handed in _directory.NewerFor(peer, new Dictionary<NodeId, long>()))
            {
                Assert.True(
                    handed.Origin == peer || handed.Announcement.Devices.Any(d => d.Audience.Contains(peer)),
                    $"{peer.Short} was handed {handed.Origin.Short}'s announcement");
            }
        }
    }

    [Fact]
    public void A_peer_receives_its_own_announcement_and_those_sharing_a_device_with_it()
    {
        _directory.Offer(Samples.Signed(_desk, 1), Now);
        _directory.Offer(Samples.Signed(_hub, 1, Samples.Device("1-1", _laptop.Id), Samples.Device("1-2", _desk.Id)), Now);
        _directory.Offer(Samples.Signed(_laptop, 1, Samples.Device("2-1", _hub.Id)), Now);

        var handed = _directory.NewerFor(_desk.Id, new Dictionary<NodeId, long>()).Select(a => a.Origin).ToHashSet();

        Assert.True(handed.SetEquals([_desk.Id, _hub.Id]));
    }
}
