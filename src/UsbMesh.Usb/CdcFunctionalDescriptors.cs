using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>
/// CDC 1.2 functional descriptors (CS_INTERFACE, 0x24) used by an ACM serial function: header (subtype 0x00,
/// CDC 1.2 §5.2.3.1), call management (0x01, PSTN 1.2 §5.3.1), abstract control management (0x02, PSTN 1.2 §5.3.2)
/// and union (0x06, CDC 1.2 §5.2.3.2). They are plain <see cref="ClassSpecificDescriptor"/> values.
/// </summary>
public static class CdcFunctionalDescriptors
{
    /// <summary>Header functional descriptor subtype.</summary>
    public const byte HeaderSubtype = 0x00;

    /// <summary>Call management functional descriptor subtype.</summary>
    public const byte CallManagementSubtype = 0x01;

    /// <summary>Abstract control management functional descriptor subtype.</summary>
    public const byte AbstractControlManagementSubtype = 0x02;

    /// <summary>Union functional descriptor subtype.</summary>
    public const byte UnionSubtype = 0x06;

    /// <summary>ACM bmCapabilities D1: SET_LINE_CODING, SET_CONTROL_LINE_STATE, GET_LINE_CODING and SERIAL_STATE.</summary>
    public const byte AcmLineCodingAndSerialState = 0x02;

    /// <summary>Header: <c>05 24 00 bcdCDC</c>.</summary>
    /// <param name="cdcVersion">bcdCDC (0x0110 for CDC 1.1, 0x0120 for 1.2).</param>
    public static ClassSpecificDescriptor Header(ushort cdcVersion = 0x0110)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, cdcVersion);
        return ClassSpecificDescriptor.Interface(HeaderSubtype, payload);
    }

    /// <summary>Call management: <c>05 24 01 bmCapabilities bDataInterface</c>.</summary>
    /// <param name="capabilities">bmCapabilities (D0: device handles call management, D1: over the data interface).</param>
    /// <param name="dataInterface">bDataInterface.</param>
    public static ClassSpecificDescriptor CallManagement(byte capabilities, byte dataInterface) =>
        ClassSpecificDescriptor.Interface(CallManagementSubtype, capabilities, dataInterface);

    /// <summary>Abstract control management: <c>04 24 02 bmCapabilities</c>.</summary>
    /// <param name="capabilities">bmCapabilities.</param>
    public static ClassSpecificDescriptor AbstractControlManagement(byte capabilities = AcmLineCodingAndSerialState) =>
        ClassSpecificDescriptor.Interface(AbstractControlManagementSubtype, capabilities);

    /// <summary>Union: <c>bLength 24 06 bControlInterface bSubordinateInterface0…</c>.</summary>
    /// <param name="controlInterface">bControlInterface.</param>
    /// <param name="subordinateInterfaces">bSubordinateInterface0..n (at least one).</param>
    public static ClassSpecificDescriptor Union(byte controlInterface, params ReadOnlySpan<byte> subordinateInterfaces)
    {
        if (subordinateInterfaces.IsEmpty)
        {
            throw new ArgumentException("A union needs at least one subordinate interface.", nameof(subordinateInterfaces));
        }

        Span<byte> payload = stackalloc byte[1 + subordinateInterfaces.Length];
        payload[0] = controlInterface;
        subordinateInterfaces.CopyTo(payload[1..]);
        return ClassSpecificDescriptor.Interface(UnionSubtype, payload);
    }
}
