using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Tests.Announcements;

public sealed class AnnouncementFactoryTests
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeId _desk = NodeIdentity.Generate().Id;
    private readonly NodeId _laptop = NodeIdentity.Generate().Id;
    private readonly NodeId _stranger = NodeIdentity.Generate().Id;

    private TrustList Trust => TrustList.Of(
    [
        new TrustedPeer("desk", _desk, Admin: false, "node.conf:10"),
        new TrustedPeer("laptop", _laptop, Admin: false, "node.conf:11"),
    ]);

    [Fact]
    public void Audiences_are_the_trusted_peers_a_device_is_shared_with()
    {
        var factory = new AnnouncementFactory(_hub, TimeToLive);
        ExportedDevice[] exports =
        [
            new(Samples.Device("1-1", _stranger), ["desk"]),
            new(Samples.Device("1-2"), [TrustList.EveryPeer]),
            new(Samples.Device("1-3"), ["nobody-by-that-name"]),
            new(Samples.Device("1-4"), []),
        ];

        var signed = factory.Issue("hub", ["10.0.0.2:7946"], relayCapable: false, exports, Trust, Samples.Now);

        var devices = signed.Announcement.Devices;
        Assert.Equal([_desk], devices[0].Audience);
        Assert.Equal([_desk, _laptop], devices[1].Audience.OrderBy(id => id == _laptop));
        Assert.Empty(devices[2].Audience);
        Assert.Empty(devices[3].Audience);
        Assert.Null(signed.Verify());
    }

    [Fact]
    public void An_announcement_expires_one_time_to_live_after_it_is_issued()
    {
        var signed = new AnnouncementFactory(_hub, TimeToLive).Issue("hub", [], false, [], Trust, Samples.Now);

        Assert.Equal((Samples.Now, Samples.Now + TimeToLive), (signed.Announcement.IssuedAt, signed.Announcement.ExpiresAt));
        Assert.Equal(_hub.Id, signed.Origin);
    }

    [Fact]
    public void The_sequence_increases_with_every_issue_even_within_a_millisecond()
    {
        var factory = new AnnouncementFactory(_hub, TimeToLive);

        var first = factory.Issue("hub", [], false, [], Trust, Samples.Now).Sequence;
        var second = factory.Issue("hub", [], false, [], Trust, Samples.Now).Sequence;
        var earlierClock = factory.Issue("hub", [], false, [], Trust, Samples.Now.AddSeconds(-5)).Sequence;

        Assert.Equal(Samples.Now.ToUnixTimeMilliseconds(), first);
        Assert.True(first < second && second < earlierClock);
    }

    [Fact]
    public void The_sequence_increases_across_a_restart_without_stored_state()
    {
        var beforeRestart = new AnnouncementFactory(_hub, TimeToLive).Issue("hub", [], false, [], Trust, Samples.Now);
        var afterRestart = new AnnouncementFactory(_hub, TimeToLive).Issue("hub", [], false, [], Trust, Samples.Now.AddMilliseconds(1));
        var directory = new DeviceDirectory();

        Assert.True(afterRestart.Sequence > beforeRestart.Sequence);
        Assert.True(directory.Offer(beforeRestart, Samples.Now).IsAccepted);
        Assert.True(directory.Offer(afterRestart, Samples.Now).IsAccepted);
    }

    [Fact]
    public void Long_string_descriptors_are_cut_to_fit_rather_than_failing_the_announcement()
    {
        var chatty = Samples.Device("1-1") with { Product = new string('é', 200) };

        var signed = new AnnouncementFactory(_hub, TimeToLive).Issue("hub", [], false, [new(chatty, ["*"])], Trust, Samples.Now);

        Assert.Equal(new string('é', 128), signed.Announcement.Devices[0].Product);
    }
}
