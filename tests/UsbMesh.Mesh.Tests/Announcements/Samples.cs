using UsbMesh.Mesh.Announcements;

namespace UsbMesh.Mesh.Tests.Announcements;

/// <summary>Announcements to test with: small, but with every kind of field filled in.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static AnnouncedDevice Device(string busId, params NodeId[] audience) =>
        new(busId, 0x0781, 0x5581, 0x08, "high", "SanDisk", "Ultra", null, audience);

    public static DeviceAnnouncement Announcement(
        NodeIdentity origin,
        long sequence = 1,
        DateTimeOffset? issuedAt = null,
        TimeSpan? timeToLive = null,
        params AnnouncedDevice[] devices)
    {
        var issued = issuedAt ?? Now;
        return new DeviceAnnouncement(
            origin.Id, "hub", ["10.0.0.2:7946"], RelayCapable: true, sequence, issued, issued + (timeToLive ?? TimeSpan.FromMinutes(10)), devices);
    }

    public static SignedAnnouncement Signed(NodeIdentity origin, long sequence = 1, params AnnouncedDevice[] devices) =>
        SignedAnnouncement.Create(origin, Announcement(origin, sequence, devices: devices));

    /// <summary>The wire form of a body and a signature, whoever made either.</summary>
    public static byte[] Wire(byte[] body, byte[] signature)
    {
        var wire = new byte[sizeof(uint) + body.Length + signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(wire, (uint)body.Length);
        body.CopyTo(wire, sizeof(uint));
        signature.CopyTo(wire, sizeof(uint) + body.Length);
        return wire;
    }

    /// <summary>The wire form of <paramref name="changed"/> carrying the signature of <paramref name="genuine"/>: a
    /// genuine announcement altered on its way.</summary>
    public static byte[] Tampered(SignedAnnouncement genuine, DeviceAnnouncement changed) =>
        Wire(AnnouncementCodec.Encode(changed), genuine.Signature.ToArray());

    /// <summary><paramref name="claimed"/> signed by <paramref name="signer"/>, whatever origin it claims.</summary>
    public static byte[] SignedBy(NodeIdentity signer, DeviceAnnouncement claimed)
    {
        var body = AnnouncementCodec.Encode(claimed);
        return Wire(body, signer.Sign(body));
    }
}
