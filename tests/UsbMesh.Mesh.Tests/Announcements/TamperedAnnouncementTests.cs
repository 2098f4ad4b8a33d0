using UsbMesh.Mesh.Announcements;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Tests.Announcements;

/// <summary>
/// A genuine announcement of the hub, changed on its way by a peer that passes it on and given a higher sequence so
/// that it would replace the genuine one: each change is refused as not signed by the hub, and the directory keeps
/// showing exactly what the hub announced.
/// </summary>
public sealed class TamperedAnnouncementTests
{
    private static readonly NodeIdentity Hub = NodeIdentity.Generate();
    private static readonly NodeIdentity Desk = NodeIdentity.Generate();
    private static readonly NodeIdentity Mallory = NodeIdentity.Generate();

    private static readonly TrustList DeskTrusts = TrustList.Of([
        new TrustedPeer("hub", Hub.Id, Admin: false, "test"),
        new TrustedPeer("mallory", Mallory.Id, Admin: false, "test"),
    ]);

    private static readonly DeviceAnnouncement Genuine =
        Samples.Announcement(Hub, 7, devices: Samples.Device("1-1", Desk.Id));

    /// <summary>The changes a passing peer could make, each to a copy of <see cref="Genuine"/> with sequence 8.</summary>
    public static TheoryData<string> Changes => [.. Changed.Keys];

    private static readonly Dictionary<string, Func<DeviceAnnouncement, DeviceAnnouncement>> Changed = new()
    {
        ["another device"] = a => a with { Devices = [a.Devices[0] with { BusId = "1-9", ProductId = 0x1234 }] },
        ["a device shared with one more node"] = a => a with { Devices = [a.Devices[0] with { Audience = [Desk.Id, Mallory.Id] }] },
        ["a device withdrawn"] = a => a with { Devices = [] },
        ["another address"] = a => a with { Addresses = ["203.0.113.66:7946"] },
        ["the relay flag flipped"] = a => a with { RelayCapable = false },
        ["a later expiry"] = a => a with { ExpiresAt = a.ExpiresAt.AddDays(30) },
        ["another node's id"] = a => a with { Origin = Mallory.Id },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_passed_on_announcement_changed_on_the_way_is_refused_and_the_genuine_one_stays(string change)
    {
        var directory = new DeviceDirectory();
        var genuine = SignedAnnouncement.Create(Hub, Genuine);
        Assert.True(directory.Offer(genuine, Samples.Now).IsAccepted);
        var before = directory.VisibleTo(Desk.Id, DeskTrusts, Samples.Now);

        var tampered = Decode(Samples.Tampered(genuine, Changed[change](Genuine with { Sequence = 8 })));
        var outcome = directory.Offer(tampered, Samples.Now);

        Assert.Equal(OfferResult.Invalid, outcome.Result);
        Assert.Contains("another node signed it in the origin's name, or it was altered on the way", outcome.Reason, StringComparison.Ordinal);
        Assert.Same(genuine, directory.Find(Hub.Id));
        Assert.Null(directory.Find(Mallory.Id));
        Assert.Equal(before, directory.VisibleTo(Desk.Id, DeskTrusts, Samples.Now));
        Assert.Equal("1-1", Assert.Single(before).Device.BusId);
    }

    [Fact]
    public void An_announcement_in_the_hubs_name_signed_with_another_key_is_refused()
    {
        // Mallory signs a well-formed announcement that claims the hub as its origin: its key is not the hub's id.
        var directory = new DeviceDirectory();
        var claimed = Genuine with { Devices = [Samples.Device("6-6", Desk.Id)] };

        var outcome = directory.Offer(Decode(Samples.SignedBy(Mallory, claimed)), Samples.Now);

        Assert.Equal(OfferResult.Invalid, outcome.Result);
        Assert.Equal(0, directory.Count);
    }

    [Fact]
    public void The_genuine_announcement_passed_on_by_another_node_is_accepted()
    {
        // The same bytes the hub signed, delivered by whichever node: the signature is all that counts.
        var directory = new DeviceDirectory();
        var relayed = Decode(SignedAnnouncement.Create(Hub, Genuine).ToWire());

        Assert.True(directory.Offer(relayed, Samples.Now).IsAccepted);
        Assert.Equal("hub", Assert.Single(directory.VisibleTo(Desk.Id, DeskTrusts, Samples.Now)).OriginName);
    }

    private static SignedAnnouncement Decode(byte[] wire)
    {
        Assert.True(SignedAnnouncement.TryDecode(wire, out var announcement, out var error), error);
        return announcement;
    }
}
