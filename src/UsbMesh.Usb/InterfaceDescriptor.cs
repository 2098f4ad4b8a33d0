namespace UsbMesh.Usb;

/// <summary>
/// A standard interface descriptor (USB 2.0 §9.6.5, table 9-12) for one alternate setting, with what follows it in
/// the configuration: class-specific descriptors before the first endpoint (HID, CDC functional descriptors) in
/// <see cref="ClassSpecific"/>, then <see cref="Endpoints"/> (each with its own trailing descriptors).
/// <c>bNumEndpoints</c> is <see cref="Endpoints"/>.Count.
/// </summary>
/// <param name="InterfaceNumber">bInterfaceNumber.</param>
/// <param name="AlternateSetting">bAlternateSetting.</param>
/// <param name="InterfaceClass">bInterfaceClass (see <see cref="UsbClassCodes"/>).</param>
/// <param name="InterfaceSubClass">bInterfaceSubClass.</param>
/// <param name="InterfaceProtocol">bInterfaceProtocol.</param>
/// <param name="InterfaceStringIndex">iInterface (0: none).</param>
public sealed record InterfaceDescriptor(
    byte InterfaceNumber,
    byte AlternateSetting,
    byte InterfaceClass,
    byte InterfaceSubClass,
    byte InterfaceProtocol,
    byte InterfaceStringIndex) : UsbDescriptor
{
    /// <summary>USB_DT_INTERFACE_SIZE.</summary>
    public const int Size = 9;

    /// <summary>Most endpoints an interface can have: 15 numbers in each direction.</summary>
    public const int MaxEndpoints = 30;

    /// <summary>Descriptors between this interface and its first endpoint, in order.</summary>
    public IReadOnlyList<UsbDescriptor> ClassSpecific { get; init; } = [];

    /// <summary>The endpoints of this alternate setting, in order.</summary>
    public IReadOnlyList<EndpointDescriptor> Endpoints { get; init; } = [];

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.Interface;

    /// <inheritdoc />
    public override int Length => Size;

    /// <summary>The HID descriptor among <see cref="ClassSpecific"/>, if any.</summary>
    public HidDescriptor? Hid => ClassSpecific.OfType<HidDescriptor>().FirstOrDefault();

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        if (Endpoints.Count > MaxEndpoints)
        {
            throw new InvalidOperationException($"An interface has at most {MaxEndpoints} endpoints, this one has {Endpoints.Count}.");
        }

        RequireSpace(destination, Size);
        destination[0] = Size;
        destination[1] = DescriptorTypes.Interface;
        destination[2] = InterfaceNumber;
        destination[3] = AlternateSetting;
        destination[4] = (byte)Endpoints.Count;
        destination[5] = InterfaceClass;
        destination[6] = InterfaceSubClass;
        destination[7] = InterfaceProtocol;
        destination[8] = InterfaceStringIndex;
    }

    /// <summary>Size of this interface with its class-specific descriptors and endpoints.</summary>
    internal int TotalLength => Size + ClassSpecific.Sum(d => d.Length) + Endpoints.Sum(e => e.TotalLength);

    /// <summary>Writes this interface, its class-specific descriptors and endpoints; returns the bytes written.</summary>
    internal int WriteTreeTo(Span<byte> destination)
    {
        WriteTo(destination);
        var at = Size;
        foreach (var descriptor in ClassSpecific)
        {
            descriptor.WriteTo(destination[at..]);
            at += descriptor.Length;
        }

        foreach (var endpoint in Endpoints)
        {
            at += endpoint.WriteTreeTo(destination[at..]);
        }

        return at;
    }
}
