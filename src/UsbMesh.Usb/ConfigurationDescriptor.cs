using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>
/// A configuration as GET_DESCRIPTOR(CONFIGURATION) returns it (USB 2.0 §9.6.3, table 9-10): the 9-byte header
/// followed by everything it owns, <c>wTotalLength</c> bytes in all. Order is kept exactly: descriptors before the
/// first interface (e.g. interface associations) in <see cref="ClassSpecific"/>, then each interface alternate
/// setting in wire order with its own class-specific descriptors and endpoints. <c>wTotalLength</c>,
/// <c>bNumInterfaces</c> and each <c>bNumEndpoints</c> are computed when writing, and checked when parsing.
/// </summary>
/// <param name="ConfigurationValue">bConfigurationValue (the SET_CONFIGURATION argument).</param>
/// <param name="ConfigurationStringIndex">iConfiguration (0: none).</param>
/// <param name="Attributes">bmAttributes: D7 reserved (set), D6 self-powered, D5 remote wakeup.</param>
/// <param name="MaxPower">bMaxPower in units of 2 mA (8 mA at SuperSpeed).</param>
public sealed record ConfigurationDescriptor(byte ConfigurationValue, byte ConfigurationStringIndex, byte Attributes, byte MaxPower) : UsbDescriptor
{
    /// <summary>USB_DT_CONFIG_SIZE.</summary>
    public const int Size = 9;

    /// <summary>bmAttributes D7: reserved, must be set (USB_CONFIG_ATT_ONE).</summary>
    public const byte AttributeReservedOne = 0x80;

    /// <summary>bmAttributes D6: self-powered (USB_CONFIG_ATT_SELFPOWER).</summary>
    public const byte AttributeSelfPowered = 0x40;

    /// <summary>bmAttributes D5: remote wakeup (USB_CONFIG_ATT_WAKEUP).</summary>
    public const byte AttributeRemoteWakeup = 0x20;

    /// <summary>Descriptors between the configuration header and the first interface, in order.</summary>
    public IReadOnlyList<UsbDescriptor> ClassSpecific { get; init; } = [];

    /// <summary>Every interface alternate setting, in wire order.</summary>
    public IReadOnlyList<InterfaceDescriptor> Interfaces { get; init; } = [];

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.Configuration;

    /// <inheritdoc />
    public override int Length => Size;

    /// <summary>wTotalLength: this header plus everything it owns.</summary>
    public int TotalLength => Size + ClassSpecific.Sum(d => d.Length) + Interfaces.Sum(i => i.TotalLength);

    /// <summary>bNumInterfaces: the number of distinct interface numbers (alternate settings count once).</summary>
    public int NumInterfaces => Interfaces.Select(i => i.InterfaceNumber).Distinct().Count();

    /// <summary>Whether the device is self-powered in this configuration.</summary>
    public bool SelfPowered => (Attributes & AttributeSelfPowered) != 0;

    /// <summary>Whether the configuration supports remote wakeup.</summary>
    public bool RemoteWakeup => (Attributes & AttributeRemoteWakeup) != 0;

    /// <summary>The power drawn, in milliamperes, at <paramref name="speed"/>.</summary>
    /// <param name="speed">The speed the device runs at (decides the 2 mA or 8 mA unit).</param>
    public int MaxPowerMilliamps(UsbSpeed speed) => MaxPower * speed.MaxPowerUnitMilliamps();

    /// <summary>The alternate setting <paramref name="alternateSetting"/> of interface <paramref name="interfaceNumber"/>, if present.</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    /// <param name="alternateSetting">bAlternateSetting.</param>
    public InterfaceDescriptor? FindInterface(byte interfaceNumber, byte alternateSetting = 0) =>
        Interfaces.FirstOrDefault(i => i.InterfaceNumber == interfaceNumber && i.AlternateSetting == alternateSetting);

    /// <summary>The endpoint with address <paramref name="address"/> in any alternate setting (first match), if present.</summary>
    /// <param name="address">bEndpointAddress (with the direction bit).</param>
    public EndpointDescriptor? FindEndpoint(byte address) =>
        Interfaces.SelectMany(i => i.Endpoints).FirstOrDefault(e => e.Address == address);

    /// <inheritdoc />
    /// <remarks>Writes the 9-byte header only (what a 9-byte GET_DESCRIPTOR returns); <see cref="ToBytes"/> gives the whole configuration.</remarks>
    public override void WriteTo(Span<byte> destination)
    {
        var total = TotalLength;
        if (total > ushort.MaxValue)
        {
            throw new InvalidOperationException($"The configuration is {total} bytes; wTotalLength holds at most {ushort.MaxValue}.");
        }

        var interfaces = NumInterfaces;
        if (interfaces > byte.MaxValue)
        {
            throw new InvalidOperationException($"The configuration has {interfaces} interfaces; bNumInterfaces holds at most 255.");
        }

        RequireSpace(destination, Size);
        destination[0] = Size;
        destination[1] = DescriptorTypes.Configuration;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)total);
        destination[4] = (byte)interfaces;
        destination[5] = ConfigurationValue;
        destination[6] = ConfigurationStringIndex;
        destination[7] = Attributes;
        destination[8] = MaxPower;
    }

    /// <summary>The whole configuration, <c>wTotalLength</c> bytes, as a device returns it.</summary>
    public override byte[] ToBytes()
    {
        var bytes = new byte[TotalLength];
        WriteTo(bytes);
        var at = Size;
        foreach (var descriptor in ClassSpecific)
        {
            descriptor.WriteTo(bytes.AsSpan(at));
            at += descriptor.Length;
        }

        foreach (var alternate in Interfaces)
        {
            at += alternate.WriteTreeTo(bytes.AsSpan(at));
        }

        return bytes;
    }

    /// <summary>
    /// Parses a whole configuration. The buffer must be exactly <c>wTotalLength</c> bytes. Checked: every
    /// <c>bLength</c> (at least 2, within the configuration, the exact size for standard descriptors),
    /// <c>wTotalLength</c>, that endpoints follow an interface, that no device/configuration descriptor is nested,
    /// that each alternate setting is unique and has exactly <c>bNumEndpoints</c> endpoints (at most 30), and
    /// that <c>bNumInterfaces</c> matches the distinct interface numbers. Descriptors of type 0x21 inside a HID
    /// interface become <see cref="HidDescriptor"/>; other non-standard descriptors become
    /// <see cref="ClassSpecificDescriptor"/>.
    /// </summary>
    /// <param name="data">The configuration bytes.</param>
    /// <exception cref="UsbDescriptorException">The configuration is malformed; the only exception thrown.</exception>
    public static ConfigurationDescriptor Parse(ReadOnlySpan<byte> data)
    {
        var reader = new DescriptorReader(data, 0);
        reader.RequireHeader(DescriptorTypes.Configuration, Size, exact: true, "configuration");
        int total = reader.U16(2, "wTotalLength");
        if (total < Size)
        {
            throw reader.Error(2, "wTotalLength", $"{total} is smaller than the {Size}-byte configuration header");
        }

        if (total != data.Length)
        {
            throw reader.Error(2, "wTotalLength", total > data.Length
                ? $"declares {total} bytes but the buffer holds only {data.Length} (truncated)"
                : $"declares {total} bytes but the buffer holds {data.Length} (trailing bytes)");
        }

        var declaredInterfaces = reader.U8(4, "bNumInterfaces");
        var configuration = new ConfigurationDescriptor(
            reader.U8(5, "bConfigurationValue"),
            reader.U8(6, "iConfiguration"),
            reader.U8(7, "bmAttributes"),
            reader.U8(8, "bMaxPower"));

        // Lists grow with descriptors actually present (each at least 2 bytes), never with a declared count.
        var leading = new List<UsbDescriptor>();
        var interfaces = new List<PendingInterface>();
        var offset = Size;
        while (offset < total)
        {
            if (total - offset < 2)
            {
                throw new UsbDescriptorException(offset, "bLength", "descriptor header truncated: 1 byte left in the configuration");
            }

            int length = data[offset];
            var type = data[offset + 1];
            if (length < 2)
            {
                throw new UsbDescriptorException(offset, "bLength", $"{length} is below the 2-byte minimum");
            }

            if (length > total - offset)
            {
                throw new UsbDescriptorException(offset, "bLength", $"{length} runs past the end of the configuration ({total - offset} bytes left)");
            }

            var slice = data.Slice(offset, length);
            var current = interfaces.Count > 0 ? interfaces[^1] : null;
            switch (type)
            {
                case DescriptorTypes.Interface:
                    var alternate = ParseInterface(slice, offset);
                    if (interfaces.Any(i => i.Descriptor.InterfaceNumber == alternate.Descriptor.InterfaceNumber
                        && i.Descriptor.AlternateSetting == alternate.Descriptor.AlternateSetting))
                    {
                        throw new UsbDescriptorException(offset + 3, "bAlternateSetting",
                            $"interface {alternate.Descriptor.InterfaceNumber} alternate setting {alternate.Descriptor.AlternateSetting} appears twice");
                    }

                    interfaces.Add(alternate);
                    break;

                case DescriptorTypes.Endpoint:
                    if (current is null)
                    {
                        throw new UsbDescriptorException(offset + 1, "bDescriptorType", "endpoint descriptor before any interface descriptor");
                    }

                    if (current.Endpoints.Count >= current.DeclaredEndpoints)
                    {
                        throw new UsbDescriptorException(offset, "bNumEndpoints",
                            $"interface {current.Descriptor.InterfaceNumber} declares {current.DeclaredEndpoints} endpoint(s) but more follow");
                    }

                    var endpoint = EndpointDescriptor.Parse(slice, offset);
                    if (current.Endpoints.Any(e => e.Endpoint.Address == endpoint.Address))
                    {
                        throw new UsbDescriptorException(offset + 2, "bEndpointAddress",
                            $"endpoint 0x{endpoint.Address:X2} appears twice in interface {current.Descriptor.InterfaceNumber}");
                    }

                    current.Endpoints.Add((endpoint, []));
                    break;

                case DescriptorTypes.Device or DescriptorTypes.Configuration or DescriptorTypes.OtherSpeedConfiguration:
                    throw new UsbDescriptorException(offset + 1, "bDescriptorType",
                        $"{DescriptorTypes.GetName(type)} descriptor nested inside a configuration");

                default:
                    UsbDescriptor other = type == DescriptorTypes.Hid && current?.Descriptor.InterfaceClass == UsbClassCodes.Hid
                        ? HidDescriptor.Parse(slice, offset)
                        : ClassSpecificDescriptor.Parse(slice, offset);
                    if (current is null)
                    {
                        leading.Add(other);
                    }
                    else if (current.Endpoints.Count > 0)
                    {
                        current.Endpoints[^1].Extra.Add(other);
                    }
                    else
                    {
                        current.ClassSpecific.Add(other);
                    }

                    break;
            }

            offset += length;
        }

        foreach (var pending in interfaces)
        {
            if (pending.Endpoints.Count != pending.DeclaredEndpoints)
            {
                throw new UsbDescriptorException(pending.Offset + 4, "bNumEndpoints",
                    $"interface {pending.Descriptor.InterfaceNumber} alternate {pending.Descriptor.AlternateSetting} declares {pending.DeclaredEndpoints} endpoint(s), {pending.Endpoints.Count} follow");
            }
        }

        var result = configuration with
        {
            ClassSpecific = leading.ToArray(),
            Interfaces = interfaces.Select(p => p.Build()).ToArray(),
        };

        if (result.NumInterfaces != declaredInterfaces)
        {
            throw new UsbDescriptorException(4, "bNumInterfaces", $"declares {declaredInterfaces} interface(s), {result.NumInterfaces} distinct interface number(s) follow");
        }

        return result;
    }

    private static PendingInterface ParseInterface(ReadOnlySpan<byte> data, int offset)
    {
        var reader = new DescriptorReader(data, offset);
        reader.RequireHeader(DescriptorTypes.Interface, InterfaceDescriptor.Size, exact: true, "interface");
        var declared = reader.U8(4, "bNumEndpoints");
        if (declared > InterfaceDescriptor.MaxEndpoints)
        {
            throw reader.Error(4, "bNumEndpoints", $"{declared} exceeds the {InterfaceDescriptor.MaxEndpoints} endpoints an interface can have");
        }

        var descriptor = new InterfaceDescriptor(
            reader.U8(2, "bInterfaceNumber"),
            reader.U8(3, "bAlternateSetting"),
            reader.U8(5, "bInterfaceClass"),
            reader.U8(6, "bInterfaceSubClass"),
            reader.U8(7, "bInterfaceProtocol"),
            reader.U8(8, "iInterface"));
        return new PendingInterface(descriptor, declared, offset);
    }

    /// <summary>An interface being parsed: its header and what has followed it so far.</summary>
    private sealed class PendingInterface(InterfaceDescriptor descriptor, int declaredEndpoints, int offset)
    {
        public InterfaceDescriptor Descriptor { get; } = descriptor;

        public int DeclaredEndpoints { get; } = declaredEndpoints;

        public int Offset { get; } = offset;

        public List<UsbDescriptor> ClassSpecific { get; } = [];

        public List<(EndpointDescriptor Endpoint, List<UsbDescriptor> Extra)> Endpoints { get; } = [];

        public InterfaceDescriptor Build() => Descriptor with
        {
            ClassSpecific = ClassSpecific.ToArray(),
            Endpoints = Endpoints.Select(e => e.Endpoint with { Extra = e.Extra.ToArray() }).ToArray(),
        };
    }
}
