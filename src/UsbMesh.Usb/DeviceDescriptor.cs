using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>
/// The 18-byte standard device descriptor (USB 2.0 §9.6.1, table 9-8; Linux <c>struct usb_device_descriptor</c>).
/// BCD fields are kept raw (<c>0x0200</c> is USB 2.00).
/// </summary>
/// <param name="UsbVersion">bcdUSB.</param>
/// <param name="DeviceClass">bDeviceClass (see <see cref="UsbClassCodes"/>).</param>
/// <param name="DeviceSubClass">bDeviceSubClass.</param>
/// <param name="DeviceProtocol">bDeviceProtocol.</param>
/// <param name="MaxPacketSize0">bMaxPacketSize0: 8, 16, 32 or 64; 9 (meaning 2^9 = 512) at SuperSpeed.</param>
/// <param name="VendorId">idVendor.</param>
/// <param name="ProductId">idProduct.</param>
/// <param name="DeviceVersion">bcdDevice.</param>
/// <param name="ManufacturerStringIndex">iManufacturer (0: none).</param>
/// <param name="ProductStringIndex">iProduct (0: none).</param>
/// <param name="SerialNumberStringIndex">iSerialNumber (0: none).</param>
/// <param name="NumConfigurations">bNumConfigurations.</param>
public sealed record DeviceDescriptor(
    ushort UsbVersion,
    byte DeviceClass,
    byte DeviceSubClass,
    byte DeviceProtocol,
    byte MaxPacketSize0,
    ushort VendorId,
    ushort ProductId,
    ushort DeviceVersion,
    byte ManufacturerStringIndex,
    byte ProductStringIndex,
    byte SerialNumberStringIndex,
    byte NumConfigurations) : UsbDescriptor
{
    /// <summary>USB_DT_DEVICE_SIZE.</summary>
    public const int Size = 18;

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.Device;

    /// <inheritdoc />
    public override int Length => Size;

    /// <summary>The endpoint 0 packet size in bytes (decodes the SuperSpeed exponent form).</summary>
    public int ControlMaxPacketBytes => MaxPacketSize0 == 9 && UsbVersion >= 0x0300 ? 512 : MaxPacketSize0;

    /// <summary>Parses exactly one device descriptor; the buffer must hold exactly 18 bytes.</summary>
    /// <param name="data">The descriptor bytes.</param>
    /// <exception cref="UsbDescriptorException">The bytes are not a valid device descriptor.</exception>
    public static DeviceDescriptor Parse(ReadOnlySpan<byte> data)
    {
        var reader = new DescriptorReader(data, 0);
        reader.RequireHeader(DescriptorTypes.Device, Size, exact: true, "device");
        if (data.Length != Size)
        {
            throw reader.Error(Size, "bLength", $"buffer holds {data.Length} bytes, a device descriptor is exactly {Size}");
        }

        var descriptor = new DeviceDescriptor(
            UsbVersion: reader.U16(2, "bcdUSB"),
            DeviceClass: reader.U8(4, "bDeviceClass"),
            DeviceSubClass: reader.U8(5, "bDeviceSubClass"),
            DeviceProtocol: reader.U8(6, "bDeviceProtocol"),
            MaxPacketSize0: reader.U8(7, "bMaxPacketSize0"),
            VendorId: reader.U16(8, "idVendor"),
            ProductId: reader.U16(10, "idProduct"),
            DeviceVersion: reader.U16(12, "bcdDevice"),
            ManufacturerStringIndex: reader.U8(14, "iManufacturer"),
            ProductStringIndex: reader.U8(15, "iProduct"),
            SerialNumberStringIndex: reader.U8(16, "iSerialNumber"),
            NumConfigurations: reader.U8(17, "bNumConfigurations"));

        if (descriptor.MaxPacketSize0 is not (8 or 16 or 32 or 64) && !(descriptor.MaxPacketSize0 == 9 && descriptor.UsbVersion >= 0x0300))
        {
            throw reader.Error(7, "bMaxPacketSize0", $"{descriptor.MaxPacketSize0} is not 8, 16, 32, 64 (or 9 for USB 3)");
        }

        return descriptor;
    }

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        RequireSpace(destination, Size);
        destination[0] = Size;
        destination[1] = DescriptorTypes.Device;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], UsbVersion);
        destination[4] = DeviceClass;
        destination[5] = DeviceSubClass;
        destination[6] = DeviceProtocol;
        destination[7] = MaxPacketSize0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], VendorId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], ProductId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], DeviceVersion);
        destination[14] = ManufacturerStringIndex;
        destination[15] = ProductStringIndex;
        destination[16] = SerialNumberStringIndex;
        destination[17] = NumConfigurations;
    }
}
