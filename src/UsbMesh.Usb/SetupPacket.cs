using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>bmRequestType bits 6..5 (USB_TYPE_*).</summary>
public enum RequestType : byte
{
    /// <summary>USB_TYPE_STANDARD.</summary>
    Standard = 0,

    /// <summary>USB_TYPE_CLASS.</summary>
    Class = 1,

    /// <summary>USB_TYPE_VENDOR.</summary>
    Vendor = 2,

    /// <summary>USB_TYPE_RESERVED.</summary>
    Reserved = 3,
}

/// <summary>bmRequestType bits 4..0 (USB_RECIP_*).</summary>
public enum RequestRecipient : byte
{
    /// <summary>USB_RECIP_DEVICE.</summary>
    Device = 0,

    /// <summary>USB_RECIP_INTERFACE.</summary>
    Interface = 1,

    /// <summary>USB_RECIP_ENDPOINT.</summary>
    Endpoint = 2,

    /// <summary>USB_RECIP_OTHER.</summary>
    Other = 3,
}

/// <summary>Standard request codes, bRequest of standard requests (USB 2.0 table 9-4; Linux USB_REQ_*).</summary>
public enum StandardRequest : byte
{
    /// <summary>USB_REQ_GET_STATUS.</summary>
    GetStatus = 0x00,

    /// <summary>USB_REQ_CLEAR_FEATURE.</summary>
    ClearFeature = 0x01,

    /// <summary>USB_REQ_SET_FEATURE.</summary>
    SetFeature = 0x03,

    /// <summary>USB_REQ_SET_ADDRESS.</summary>
    SetAddress = 0x05,

    /// <summary>USB_REQ_GET_DESCRIPTOR.</summary>
    GetDescriptor = 0x06,

    /// <summary>USB_REQ_SET_DESCRIPTOR.</summary>
    SetDescriptor = 0x07,

    /// <summary>USB_REQ_GET_CONFIGURATION.</summary>
    GetConfiguration = 0x08,

    /// <summary>USB_REQ_SET_CONFIGURATION.</summary>
    SetConfiguration = 0x09,

    /// <summary>USB_REQ_GET_INTERFACE.</summary>
    GetInterface = 0x0A,

    /// <summary>USB_REQ_SET_INTERFACE.</summary>
    SetInterface = 0x0B,

    /// <summary>USB_REQ_SYNCH_FRAME.</summary>
    SynchFrame = 0x0C,

    /// <summary>USB_REQ_SET_SEL (USB 3).</summary>
    SetSel = 0x30,

    /// <summary>USB_REQ_SET_ISOCH_DELAY (USB 3).</summary>
    SetIsochDelay = 0x31,
}

/// <summary>Standard feature selectors (USB 2.0 table 9-6).</summary>
public static class FeatureSelectors
{
    /// <summary>USB_ENDPOINT_HALT (recipient endpoint).</summary>
    public const ushort EndpointHalt = 0;

    /// <summary>USB_DEVICE_REMOTE_WAKEUP (recipient device).</summary>
    public const ushort DeviceRemoteWakeup = 1;

    /// <summary>USB_DEVICE_TEST_MODE (recipient device).</summary>
    public const ushort TestMode = 2;
}

/// <summary>
/// The 8-byte SETUP packet of a control transfer (USB 2.0 §9.3, table 9-2; Linux <c>struct usb_ctrlrequest</c>),
/// little-endian: <c>bmRequestType bRequest wValue wIndex wLength</c>. USB/IP carries it verbatim in the
/// <c>setup</c> field of CMD_SUBMIT.
/// </summary>
/// <param name="RequestTypeBits">bmRequestType raw: D7 direction, D6..5 type, D4..0 recipient.</param>
/// <param name="Request">bRequest.</param>
/// <param name="Value">wValue.</param>
/// <param name="Index">wIndex.</param>
/// <param name="Length">wLength: the data stage length (maximum for IN).</param>
public readonly record struct SetupPacket(byte RequestTypeBits, byte Request, ushort Value, ushort Index, ushort Length)
{
    /// <summary>Size of a SETUP packet.</summary>
    public const int Size = 8;

    /// <summary>Data stage direction (bit 7 of bmRequestType).</summary>
    public UsbDirection Direction => (UsbDirection)(RequestTypeBits & 0x80);

    /// <summary>Request type (bits 6..5 of bmRequestType).</summary>
    public RequestType Type => (RequestType)((RequestTypeBits >> 5) & 0x03);

    /// <summary>Recipient (bits 4..0 of bmRequestType; values above 3 are reserved and read as their raw number).</summary>
    public RequestRecipient Recipient => (RequestRecipient)(RequestTypeBits & 0x1F);

    /// <summary>bRequest as a standard request, when <see cref="Type"/> is standard.</summary>
    public StandardRequest? Standard => Type == RequestType.Standard ? (StandardRequest)Request : null;

    /// <summary>Composes bmRequestType from its parts.</summary>
    /// <param name="direction">Data stage direction.</param>
    /// <param name="type">Request type.</param>
    /// <param name="recipient">Recipient.</param>
    public static byte ComposeRequestType(UsbDirection direction, RequestType type, RequestRecipient recipient) =>
        (byte)((byte)direction | ((byte)type << 5) | ((byte)recipient & 0x1F));

    /// <summary>Reads a SETUP packet from the first 8 bytes of <paramref name="data"/>.</summary>
    /// <param name="data">At least 8 bytes.</param>
    public static SetupPacket Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"A SETUP packet is {Size} bytes, got {data.Length}.", nameof(data));
        }

        return new SetupPacket(
            data[0],
            data[1],
            BinaryPrimitives.ReadUInt16LittleEndian(data[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[6..]));
    }

    /// <summary>GET_DESCRIPTOR: <c>80 06 index type lang length</c> (wValue = type &lt;&lt; 8 | index).</summary>
    /// <param name="descriptorType">Descriptor type (high byte of wValue).</param>
    /// <param name="descriptorIndex">Descriptor index (low byte of wValue).</param>
    /// <param name="languageId">wIndex: LANGID for strings, otherwise 0 (or the interface for class descriptors).</param>
    /// <param name="length">wLength.</param>
    /// <param name="recipient">Device for standard descriptors; interface for HID report descriptors.</param>
    public static SetupPacket GetDescriptor(byte descriptorType, byte descriptorIndex, ushort languageId, ushort length, RequestRecipient recipient = RequestRecipient.Device) =>
        new(ComposeRequestType(UsbDirection.In, RequestType.Standard, recipient), (byte)StandardRequest.GetDescriptor,
            (ushort)((descriptorType << 8) | descriptorIndex), languageId, length);

    /// <summary>SET_CONFIGURATION: <c>00 09 value 0 0</c>.</summary>
    /// <param name="configurationValue">bConfigurationValue (0 unconfigures).</param>
    public static SetupPacket SetConfiguration(byte configurationValue) =>
        new(0x00, (byte)StandardRequest.SetConfiguration, configurationValue, 0, 0);

    /// <summary>SET_INTERFACE: <c>01 0B alternate interface 0</c>.</summary>
    /// <param name="interfaceNumber">wIndex.</param>
    /// <param name="alternateSetting">wValue.</param>
    public static SetupPacket SetInterface(byte interfaceNumber, byte alternateSetting) =>
        new(0x01, (byte)StandardRequest.SetInterface, alternateSetting, interfaceNumber, 0);

    /// <summary>CLEAR_FEATURE(ENDPOINT_HALT): <c>02 01 0000 endpoint 0</c>.</summary>
    /// <param name="endpointAddress">wIndex: the endpoint address with direction bit.</param>
    public static SetupPacket ClearEndpointHalt(byte endpointAddress) =>
        new(0x02, (byte)StandardRequest.ClearFeature, FeatureSelectors.EndpointHalt, endpointAddress, 0);

    /// <summary>Writes the 8 bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 8 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A SETUP packet needs {Size} bytes, got {destination.Length}.", nameof(destination));
        }

        destination[0] = RequestTypeBits;
        destination[1] = Request;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Value);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Index);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], Length);
    }

    /// <summary>The 8 bytes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Recognises SET_CONFIGURATION (standard, host-to-device, to the device).</summary>
    /// <param name="configurationValue">The requested bConfigurationValue (low byte of wValue).</param>
    public bool IsSetConfiguration(out byte configurationValue)
    {
        configurationValue = (byte)Value;
        return RequestTypeBits == 0x00 && Request == (byte)StandardRequest.SetConfiguration;
    }

    /// <summary>Recognises SET_INTERFACE (standard, host-to-device, to an interface).</summary>
    /// <param name="interfaceNumber">wIndex (low byte).</param>
    /// <param name="alternateSetting">wValue (low byte).</param>
    public bool IsSetInterface(out byte interfaceNumber, out byte alternateSetting)
    {
        interfaceNumber = (byte)Index;
        alternateSetting = (byte)Value;
        return RequestTypeBits == 0x01 && Request == (byte)StandardRequest.SetInterface;
    }

    /// <summary>Recognises CLEAR_FEATURE(ENDPOINT_HALT) (standard, host-to-device, to an endpoint, feature 0).</summary>
    /// <param name="endpointAddress">wIndex (low byte): the halted endpoint's address.</param>
    public bool IsClearEndpointHalt(out byte endpointAddress)
    {
        endpointAddress = (byte)Index;
        return RequestTypeBits == 0x02 && Request == (byte)StandardRequest.ClearFeature && Value == FeatureSelectors.EndpointHalt;
    }

    /// <summary>Recognises GET_DESCRIPTOR (standard, device-to-host, any recipient).</summary>
    /// <param name="descriptorType">High byte of wValue.</param>
    /// <param name="descriptorIndex">Low byte of wValue.</param>
    /// <param name="languageId">wIndex.</param>
    public bool IsGetDescriptor(out byte descriptorType, out byte descriptorIndex, out ushort languageId)
    {
        descriptorType = (byte)(Value >> 8);
        descriptorIndex = (byte)Value;
        languageId = Index;
        return Direction == UsbDirection.In && Type == RequestType.Standard && Request == (byte)StandardRequest.GetDescriptor;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var name = Standard is { } standard && Enum.IsDefined(standard) ? standard.ToString() : $"0x{Request:X2}";
        return $"{Type} {name} {Direction} to {Recipient}: wValue=0x{Value:X4} wIndex=0x{Index:X4} wLength={Length}";
    }
}
