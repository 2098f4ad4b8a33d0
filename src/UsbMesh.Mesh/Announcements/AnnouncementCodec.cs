using System.Text;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// The signed body of <see cref="AnnouncementFormat"/>: both directions side by side, so the field order lives in one
/// place. Decoding never trusts a length it has not checked.
/// </summary>
internal static class AnnouncementCodec
{
    private const byte RelayCapableFlag = 0x01;

    // The smallest encodings, used to refuse counts the remaining bytes cannot hold before allocating for them.
    private const int MinAddressBytes = sizeof(uint);
    private const int MinDeviceBytes = sizeof(uint) + 2 * sizeof(ushort) + 1 + sizeof(uint) + 3 + sizeof(uint);

    private static readonly byte[] PrefixBytes = Encoding.ASCII.GetBytes(AnnouncementFormat.Prefix);

    public static byte[] Encode(DeviceAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        var writer = new AnnouncementWriter();
        writer.WriteBytes(PrefixBytes);
        writer.WriteBytes(announcement.Origin.PublicKey);
        writer.WriteString(announcement.Name, "the name");
        writer.WriteCount(announcement.Addresses.Count, AnnouncementFormat.MaxAddresses, "addresses");
        foreach (var address in announcement.Addresses)
        {
            writer.WriteString(address, "an address");
        }

        writer.WriteByte(announcement.RelayCapable ? RelayCapableFlag : (byte)0);
        writer.WriteInt64(announcement.Sequence);
        writer.WriteInt64(announcement.IssuedAt.ToUnixTimeMilliseconds());
        writer.WriteInt64(announcement.ExpiresAt.ToUnixTimeMilliseconds());
        writer.WriteCount(announcement.Devices.Count, AnnouncementFormat.MaxDevices, "devices");
        foreach (var device in announcement.Devices)
        {
            WriteDevice(writer, device);
        }

        return writer.ToArray();
    }

    /// <exception cref="AnnouncementFormatException">The bytes are not an announcement; the message says where.</exception>
    public static DeviceAnnouncement Decode(ReadOnlySpan<byte> body)
    {
        var reader = new AnnouncementReader(body);
        if (!reader.Take(PrefixBytes.Length, "the format prefix").SequenceEqual(PrefixBytes))
        {
            throw new AnnouncementFormatException($"the body does not start with \"{AnnouncementFormat.Prefix}\": another format or version");
        }

        var origin = NodeId.FromPublicKey(reader.Take(NodeId.KeyLength, "the origin"));
        var name = reader.ReadString("the name");
        var addresses = new string[reader.ReadCount("addresses", AnnouncementFormat.MaxAddresses, MinAddressBytes)];
        for (var i = 0; i < addresses.Length; i++)
        {
            addresses[i] = reader.ReadString($"address {i}");
        }

        var flags = reader.ReadByte("the flags");
        if ((flags & ~RelayCapableFlag) != 0)
        {
            throw new AnnouncementFormatException($"unknown flags 0x{flags:X2}: only 0x{RelayCapableFlag:X2} (relay capable) is defined");
        }

        var sequence = reader.ReadInt64("the sequence");
        var issuedAt = reader.ReadUnixMilliseconds("the issue time");
        var expiresAt = reader.ReadUnixMilliseconds("the expiry time");
        if (expiresAt < issuedAt)
        {
            throw new AnnouncementFormatException($"it expires ({expiresAt:O}) before it was issued ({issuedAt:O})");
        }

        var devices = new AnnouncedDevice[reader.ReadCount("devices", AnnouncementFormat.MaxDevices, MinDeviceBytes)];
        for (var i = 0; i < devices.Length; i++)
        {
            devices[i] = ReadDevice(ref reader, $"device {i}");
        }

        reader.ExpectEnd("the last device");
        return new DeviceAnnouncement(origin, name, addresses, (flags & RelayCapableFlag) != 0, sequence, issuedAt, expiresAt, devices);
    }

    private static void WriteDevice(AnnouncementWriter writer, AnnouncedDevice device)
    {
        writer.WriteString(device.BusId, "a device's bus id");
        writer.WriteUInt16(device.VendorId);
        writer.WriteUInt16(device.ProductId);
        writer.WriteByte(device.DeviceClass);
        writer.WriteString(device.Speed, $"the speed of device {device.BusId}");
        writer.WriteOptionalString(device.Manufacturer, $"the manufacturer of device {device.BusId}");
        writer.WriteOptionalString(device.Product, $"the product of device {device.BusId}");
        writer.WriteOptionalString(device.Serial, $"the serial of device {device.BusId}");
        writer.WriteCount(device.Audience.Count, AnnouncementFormat.MaxAudience, $"the audience of device {device.BusId}");
        foreach (var node in device.Audience)
        {
            writer.WriteBytes(node.PublicKey);
        }
    }

    private static AnnouncedDevice ReadDevice(ref AnnouncementReader reader, string which)
    {
        var busId = reader.ReadString($"the bus id of {which}");
        var vendorId = reader.ReadUInt16($"the vendor id of {which}");
        var productId = reader.ReadUInt16($"the product id of {which}");
        var deviceClass = reader.ReadByte($"the class of {which}");
        var speed = reader.ReadString($"the speed of {which}");
        var manufacturer = reader.ReadOptionalString($"the manufacturer of {which}");
        var product = reader.ReadOptionalString($"the product of {which}");
        var serial = reader.ReadOptionalString($"the serial of {which}");
        var audience = new NodeId[reader.ReadCount($"nodes in the audience of {which}", AnnouncementFormat.MaxAudience, NodeId.KeyLength)];
        for (var i = 0; i < audience.Length; i++)
        {
            audience[i] = NodeId.FromPublicKey(reader.Take(NodeId.KeyLength, $"the audience of {which}"));
        }

        return new AnnouncedDevice(busId, vendorId, productId, deviceClass, speed, manufacturer, product, serial, audience);
    }
}
