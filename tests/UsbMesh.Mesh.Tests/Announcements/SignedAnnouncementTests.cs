using System.Buffers.Binary;
using System.Text;
using UsbMesh.Mesh.Announcements;

namespace UsbMesh.Mesh.Tests.Announcements;

public sealed class SignedAnnouncementTests
{
    private readonly NodeIdentity _hub = NodeIdentity.Generate();
    private readonly NodeId _desk = NodeIdentity.Generate().Id;
    private readonly NodeId _laptop = NodeIdentity.Generate().Id;

    [Fact]
    public void The_wire_form_reads_back_as_what_was_signed()
    {
        var sent = SignedAnnouncement.Create(_hub, new DeviceAnnouncement(
            _hub.Id, "hub · pi", ["10.0.0.2:7946", "[fe80::1]:7946"], RelayCapable: true, 42,
            Samples.Now, Samples.Now.AddMinutes(10),
            [
                new AnnouncedDevice("1-1.2", 0x0781, 0x5581, 0x08, "high", "SanDisk", "Ultra", "4C53000", [_desk, _laptop]),
                new AnnouncedDevice("2-1", 0x046d, 0xc31c, 0x00, "low", null, null, null, []),
            ]));

        Assert.True(SignedAnnouncement.TryDecode(sent.ToWire(), out var received, out var error), error);
        Assert.Null(received.Verify());
        Assert.Equal(sent.SignedBytes.ToArray(), received.SignedBytes.ToArray());
        var a = received.Announcement;
        Assert.Equal((_hub.Id, "hub · pi", true, 42L), (a.Origin, a.Name, a.RelayCapable, a.Sequence));
        Assert.Equal(["10.0.0.2:7946", "[fe80::1]:7946"], a.Addresses);
        Assert.Equal((Samples.Now, Samples.Now.AddMinutes(10)), (a.IssuedAt, a.ExpiresAt));
        Assert.Equal(2, a.Devices.Count);
        Assert.Equal(
            ("1-1.2", (ushort)0x0781, (ushort)0x5581, (byte)0x08, "high", "SanDisk", "Ultra", "4C53000"),
            (a.Devices[0].BusId, a.Devices[0].VendorId, a.Devices[0].ProductId, a.Devices[0].DeviceClass, a.Devices[0].Speed,
             a.Devices[0].Manufacturer, a.Devices[0].Product, a.Devices[0].Serial));
        Assert.Equal([_desk, _laptop], a.Devices[0].Audience);
        Assert.Equal(("2-1", null, null, null), (a.Devices[1].BusId, a.Devices[1].Manufacturer, a.Devices[1].Product, a.Devices[1].Serial));
        Assert.Empty(a.Devices[1].Audience);
    }

    [Fact]
    public void The_signed_bytes_start_with_the_versioned_prefix()
    {
        var signed = Samples.Signed(_hub);

        Assert.Equal("usbmesh-announcement-v1", AnnouncementFormat.Prefix);
        Assert.Equal(Encoding.ASCII.GetBytes("usbmesh-announcement-v1"), signed.SignedBytes[..23].ToArray());
        var wire = signed.ToWire();
        Assert.Equal((uint)signed.SignedBytes.Length, BinaryPrimitives.ReadUInt32BigEndian(wire));
        Assert.Equal(sizeof(uint) + signed.SignedBytes.Length + 64, wire.Length);
    }

    [Fact]
    public void Times_keep_millisecond_precision_and_the_signed_form_says_so()
    {
        var issued = Samples.Now.AddTicks(12_345);
        var signed = SignedAnnouncement.Create(_hub, Samples.Announcement(_hub, issuedAt: issued));

        Assert.Equal(Samples.Now.AddMilliseconds(1), signed.Announcement.IssuedAt);
    }

    [Fact]
    public void Changing_any_single_byte_of_the_wire_form_is_never_accepted()
    {
        var wire = Samples.Signed(_hub, 7, Samples.Device("1-1", _desk)).ToWire();

        foreach (var flip in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (var i = 0; i < wire.Length; i++)
            {
                var tampered = (byte[])wire.Clone();
                tampered[i] ^= flip;

                var decoded = SignedAnnouncement.TryDecode(tampered, out var announcement, out var error);

                Assert.True(
                    !decoded || announcement!.Verify() is not null,
                    $"byte {i} ^ 0x{flip:X2} was accepted");
                Assert.True(decoded || error.Length > 0, $"byte {i} ^ 0x{flip:X2} was refused without a reason");
            }
        }
    }

    [Fact]
    public void Cutting_or_extending_the_wire_form_is_refused_with_a_reason()
    {
        var wire = Samples.Signed(_hub, 7, Samples.Device("1-1", _desk)).ToWire();

        for (var length = 0; length < wire.Length; length++)
        {
            Assert.False(SignedAnnouncement.TryDecode(wire.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }

        Assert.False(SignedAnnouncement.TryDecode([.. wire, 0], out _, out var trailing));
        Assert.Contains("unexpected bytes", trailing, StringComparison.Ordinal);
    }

    [Fact]
    public void An_announcement_signed_by_another_key_than_its_origin_is_refused()
    {
        var mallory = NodeIdentity.Generate();
        var genuine = Samples.Signed(_hub, 3, Samples.Device("1-1", mallory.Id));

        // Mallory puts the hub's origin on bytes she signs herself: the wire form allows it, verification does not.
        var forged = Rewrap(genuine.SignedBytes.Span, mallory.Sign(genuine.SignedBytes.Span));

        Assert.True(SignedAnnouncement.TryDecode(forged, out var decoded, out var error), error);
        Assert.Equal(_hub.Id, decoded.Origin);
        Assert.Contains("signature", decoded.Verify(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SignedAnnouncement.Create(mallory, Samples.Announcement(_hub)));
    }

    [Fact]
    public void A_header_claiming_two_billion_devices_is_refused_before_anything_is_allocated_for_them()
    {
        // With no devices, the device count is the body's last field.
        var body = Samples.Signed(_hub).SignedBytes.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(body.Length - 4), 1u << 31);
        var wire = Rewrap(body, new byte[64]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = SignedAnnouncement.TryDecode(wire, out _, out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(decoded);
        Assert.Contains("2147483648 devices is more than the 256", error, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Counts_and_lengths_over_their_caps_are_refused_naming_the_field()
    {
        var body = Samples.Signed(_hub, 1, Samples.Device("1-1", _desk)).SignedBytes.ToArray();

        // The audience count sits just before the one audience key at the end of the body.
        var audience = (byte[])body.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(audience.AsSpan(audience.Length - 32 - 4), AnnouncementFormat.MaxAudience + 1);
        Assert.False(SignedAnnouncement.TryDecode(Rewrap(audience, new byte[64]), out _, out var audienceError));
        Assert.Contains("1025 nodes in the audience of device 0 is more than the 1024", audienceError, StringComparison.Ordinal);

        // The name's length follows the prefix and the origin key.
        var name = (byte[])body.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(name.AsSpan(23 + 32), uint.MaxValue);
        Assert.False(SignedAnnouncement.TryDecode(Rewrap(name, new byte[64]), out _, out var nameError));
        Assert.Contains("the name is 4294967295 bytes long, more than the 256", nameError, StringComparison.Ordinal);

        Assert.False(SignedAnnouncement.TryDecode(new byte[AnnouncementFormat.MaxWireBytes + 1], out _, out var sizeError));
        Assert.Contains("more than the 262144", sizeError, StringComparison.Ordinal);

        var lengthClaim = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(lengthClaim, int.MaxValue);
        Assert.False(SignedAnnouncement.TryDecode(lengthClaim, out _, out var bodyError));
        Assert.Contains("the body claims 2147483647 bytes", bodyError, StringComparison.Ordinal);
    }

    [Fact]
    public void This_node_never_signs_what_its_peers_would_refuse()
    {
        var tooManyAddresses = Samples.Announcement(_hub) with { Addresses = [.. Enumerable.Repeat("10.0.0.2:7946", 17)] };
        var tooLongName = Samples.Announcement(_hub) with { Name = new string('x', 257) };
        var tooMuchAudience = Samples.Announcement(_hub, devices: Samples.Device("1-1", [.. Enumerable.Repeat(_desk, 1025)]));

        Assert.Contains("addresses", Assert.Throws<ArgumentException>(() => SignedAnnouncement.Create(_hub, tooManyAddresses)).Message, StringComparison.Ordinal);
        Assert.Contains("the name", Assert.Throws<ArgumentException>(() => SignedAnnouncement.Create(_hub, tooLongName)).Message, StringComparison.Ordinal);
        Assert.Contains("audience", Assert.Throws<ArgumentException>(() => SignedAnnouncement.Create(_hub, tooMuchAudience)).Message, StringComparison.Ordinal);
    }

    private static byte[] Rewrap(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var wire = new byte[4 + body.Length + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(wire, (uint)body.Length);
        body.CopyTo(wire.AsSpan(4));
        signature.CopyTo(wire.AsSpan(4 + body.Length));
        return wire;
    }
}
