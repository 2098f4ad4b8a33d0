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
}
