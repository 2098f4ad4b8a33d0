using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>Data direction, as bit 7 of <c>bEndpointAddress</c> and of <c>bmRequestType</c> (USB_DIR_OUT / USB_DIR_IN).</summary>
public enum UsbDirection : byte
{
    /// <summary>Host to device.</summary>
    Out = 0x00,

    /// <summary>Device to host.</summary>
    In = 0x80,
}

/// <summary>Endpoint transfer type: bits 1..0 of <c>bmAttributes</c> (USB_ENDPOINT_XFER_*).</summary>
public enum TransferType : byte
{
    /// <summary>USB_ENDPOINT_XFER_CONTROL.</summary>
    Control = 0,

    /// <summary>USB_ENDPOINT_XFER_ISOC.</summary>
    Isochronous = 1,

    /// <summary>USB_ENDPOINT_XFER_BULK.</summary>
    Bulk = 2,

    /// <summary>USB_ENDPOINT_XFER_INT.</summary>
    Interrupt = 3,
}

/// <summary>Isochronous synchronisation type: bits 3..2 of <c>bmAttributes</c> (USB_ENDPOINT_SYNC_*).</summary>
public enum IsoSyncType : byte
{
    /// <summary>No synchronisation (also the value for non-isochronous endpoints).</summary>
    None = 0,

    /// <summary>Asynchronous.</summary>
    Asynchronous = 1,

    /// <summary>Adaptive.</summary>
    Adaptive = 2,

    /// <summary>Synchronous.</summary>
    Synchronous = 3,
}

/// <summary>Isochronous usage type: bits 5..4 of <c>bmAttributes</c> (USB_ENDPOINT_USAGE_*).</summary>
public enum IsoUsageType : byte
{
    /// <summary>Data endpoint.</summary>
    Data = 0,

    /// <summary>Feedback endpoint.</summary>
    Feedback = 1,

    /// <summary>Implicit feedback data endpoint.</summary>
    ImplicitFeedback = 2,
}

/// <summary>
/// A standard endpoint descriptor (USB 2.0 §9.6.6, table 9-13): 7 bytes, or 9 for USB Audio 1.0 endpoints which
/// append <c>bRefresh</c> and <c>bSynchAddress</c> (Linux USB_DT_ENDPOINT_AUDIO_SIZE). Raw fields are kept; the
/// decoded views (number, direction, type, packet size, high-bandwidth multiplier) are properties.
/// </summary>
/// <param name="Address">bEndpointAddress: bit 7 direction, bits 3..0 number.</param>
/// <param name="Attributes">bmAttributes: bits 1..0 transfer type, 3..2 sync type, 5..4 usage type.</param>
/// <param name="MaxPacketSize">wMaxPacketSize raw: bits 10..0 size, bits 12..11 additional transactions per microframe.</param>
/// <param name="Interval">bInterval (meaning depends on speed and type).</param>
public sealed record EndpointDescriptor(byte Address, byte Attributes, ushort MaxPacketSize, byte Interval) : UsbDescriptor
{
    /// <summary>USB_DT_ENDPOINT_SIZE.</summary>
    public const int Size = 7;

    /// <summary>USB_DT_ENDPOINT_AUDIO_SIZE.</summary>
    public const int AudioSize = 9;

    /// <summary>Audio 1.0 <c>bRefresh</c>/<c>bSynchAddress</c>, present only on 9-byte endpoint descriptors.</summary>
    public (byte Refresh, byte SynchAddress)? AudioExtension { get; init; }

    /// <summary>Descriptors following this endpoint (class-specific endpoint, SuperSpeed companion), in order.</summary>
    public IReadOnlyList<UsbDescriptor> Extra { get; init; } = [];

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.Endpoint;

    /// <inheritdoc />
    public override int Length => AudioExtension is null ? Size : AudioSize;

    /// <summary>Endpoint number, 1..15 (bits 3..0 of the address).</summary>
    public int Number => Address & 0x0F;

    /// <summary>Direction (bit 7 of the address).</summary>
    public UsbDirection Direction => (UsbDirection)(Address & 0x80);

    /// <summary>Transfer type (bits 1..0 of the attributes).</summary>
    public TransferType TransferType => (TransferType)(Attributes & 0x03);

    /// <summary>Isochronous sync type (bits 3..2 of the attributes).</summary>
    public IsoSyncType SyncType => (IsoSyncType)((Attributes >> 2) & 0x03);

    /// <summary>Isochronous usage type (bits 5..4 of the attributes).</summary>
    public IsoUsageType UsageType => (IsoUsageType)((Attributes >> 4) & 0x03);

    /// <summary>Bytes per packet (bits 10..0 of wMaxPacketSize).</summary>
    public int MaxPacketBytes => MaxPacketSize & 0x07FF;

    /// <summary>High-bandwidth additional transactions per microframe, 0..2 (bits 12..11 of wMaxPacketSize).</summary>
    public int AdditionalTransactions => (MaxPacketSize >> 11) & 0x03;

    /// <summary>Bytes per (micro)frame for periodic endpoints: packet size times (1 + additional transactions).</summary>
    public int BytesPerInterval => MaxPacketBytes * (1 + AdditionalTransactions);

    /// <summary>Builds a 7-byte endpoint descriptor.</summary>
    /// <param name="number">Endpoint number 1..15.</param>
    /// <param name="direction">Direction.</param>
    /// <param name="type">Transfer type (not control: endpoint 0 is never described).</param>
    /// <param name="maxPacketBytes">Packet size 0..2047 (1024 is the USB 2.0 maximum).</param>
    /// <param name="interval">bInterval.</param>
    /// <param name="additionalTransactions">High-bandwidth additional transactions per microframe, 0..2.</param>
    public static EndpointDescriptor Create(int number, UsbDirection direction, TransferType type, int maxPacketBytes, byte interval, int additionalTransactions = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, 15);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPacketBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPacketBytes, 0x7FF);
        ArgumentOutOfRangeException.ThrowIfNegative(additionalTransactions);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(additionalTransactions, 2);
        return new EndpointDescriptor(
            (byte)(number | (int)direction),
            (byte)type,
            (ushort)(maxPacketBytes | (additionalTransactions << 11)),
            interval);
    }

    /// <summary>Parses one endpoint descriptor; <paramref name="data"/> must be exactly the descriptor (7 or 9 bytes).</summary>
    /// <param name="data">The descriptor bytes.</param>
    /// <param name="baseOffset">Offset of <paramref name="data"/> in the enclosing buffer, for error messages.</param>
    /// <exception cref="UsbDescriptorException">The bytes are not a valid endpoint descriptor.</exception>
    public static EndpointDescriptor Parse(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        var reader = new DescriptorReader(data, baseOffset);
        reader.RequireHeader(DescriptorTypes.Endpoint, Size, exact: false, "endpoint");
        if (data[0] is not (Size or AudioSize) || data.Length != data[0])
        {
            throw reader.Error(0, "bLength", $"an endpoint descriptor is {Size} or {AudioSize} bytes, bLength is {data[0]} over {data.Length} bytes");
        }

        var address = reader.U8(2, "bEndpointAddress");
        if ((address & 0x0F) == 0)
        {
            throw reader.Error(2, "bEndpointAddress", "endpoint 0 is never described by an endpoint descriptor");
        }

        if ((address & 0x70) != 0)
        {
            throw reader.Error(2, "bEndpointAddress", $"reserved bits 6..4 set in 0x{address:X2}");
        }

        var attributes = reader.U8(3, "bmAttributes");
        var maxPacket = reader.U16(4, "wMaxPacketSize");
        if (((maxPacket >> 11) & 0x03) == 0x03)
        {
            throw reader.Error(4, "wMaxPacketSize", $"0x{maxPacket:X4} uses the reserved high-bandwidth value 3");
        }

        var endpoint = new EndpointDescriptor(address, attributes, maxPacket, reader.U8(6, "bInterval"));
        return data.Length == AudioSize
            ? endpoint with { AudioExtension = (reader.U8(7, "bRefresh"), reader.U8(8, "bSynchAddress")) }
            : endpoint;
    }

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        RequireSpace(destination, Length);
        destination[0] = (byte)Length;
        destination[1] = DescriptorTypes.Endpoint;
        destination[2] = Address;
        destination[3] = Attributes;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], MaxPacketSize);
        destination[6] = Interval;
        if (AudioExtension is { } audio)
        {
            destination[7] = audio.Refresh;
            destination[8] = audio.SynchAddress;
        }
    }

    /// <summary>Size of this endpoint with its <see cref="Extra"/> descriptors.</summary>
    internal int TotalLength => Length + Extra.Sum(d => d.Length);

    /// <summary>Writes this endpoint then its extra descriptors; returns the bytes written.</summary>
    internal int WriteTreeTo(Span<byte> destination)
    {
        WriteTo(destination);
        var at = Length;
        foreach (var extra in Extra)
        {
            extra.WriteTo(destination[at..]);
            at += extra.Length;
        }

        return at;
    }
}
