using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>One class descriptor announced by a HID descriptor: its type (0x22 report, 0x23 physical) and length.</summary>
/// <param name="DescriptorType">bDescriptorType of the class descriptor.</param>
/// <param name="DescriptorLength">wDescriptorLength of the class descriptor.</param>
public readonly record struct HidClassDescriptor(byte DescriptorType, ushort DescriptorLength);

/// <summary>
/// The HID descriptor (HID 1.11 §6.2.1, type 0x21): <c>bLength bDescriptorType bcdHID bCountryCode bNumDescriptors</c>
/// then <c>bDescriptorType wDescriptorLength</c> per class descriptor; <c>bLength = 6 + 3·bNumDescriptors</c>.
/// </summary>
/// <param name="HidVersion">bcdHID (0x0111 for HID 1.11).</param>
/// <param name="CountryCode">bCountryCode (0: not localised).</param>
/// <param name="ClassDescriptors">The announced class descriptors; the first must be the report descriptor.</param>
public sealed record HidDescriptor(ushort HidVersion, byte CountryCode, IReadOnlyList<HidClassDescriptor> ClassDescriptors) : UsbDescriptor
{
    /// <summary>Most class descriptors a single HID descriptor can list (bLength is one byte).</summary>
    public const int MaxClassDescriptors = (255 - 6) / 3;

    /// <inheritdoc />
    public override byte DescriptorType => DescriptorTypes.Hid;

    /// <inheritdoc />
    public override int Length => 6 + (3 * ClassDescriptors.Count);

    /// <summary>wDescriptorLength of the report descriptor (the first 0x22 entry), or 0 when none is listed.</summary>
    public int ReportDescriptorLength => ClassDescriptors.FirstOrDefault(d => d.DescriptorType == DescriptorTypes.HidReport).DescriptorLength;

    /// <summary>A HID 1.11 descriptor announcing one report descriptor of <paramref name="reportDescriptorLength"/> bytes.</summary>
    /// <param name="reportDescriptorLength">Length of the report descriptor.</param>
    /// <param name="countryCode">bCountryCode.</param>
    public static HidDescriptor ForReport(int reportDescriptorLength, byte countryCode = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reportDescriptorLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reportDescriptorLength, ushort.MaxValue);
        return new HidDescriptor(0x0111, countryCode, [new HidClassDescriptor(DescriptorTypes.HidReport, (ushort)reportDescriptorLength)]);
    }

    /// <summary>Parses one HID descriptor; <paramref name="data"/> must be exactly the descriptor.</summary>
    /// <param name="data">The descriptor bytes.</param>
    /// <param name="baseOffset">Offset of <paramref name="data"/> in the enclosing buffer, for error messages.</param>
    /// <exception cref="UsbDescriptorException">The bytes are not a valid HID descriptor.</exception>
    public static HidDescriptor Parse(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        var reader = new DescriptorReader(data, baseOffset);
        reader.RequireHeader(DescriptorTypes.Hid, 9, exact: false, "HID");
        if (data[0] != data.Length)
        {
            throw reader.Error(0, "bLength", $"bLength is {data[0]} but the descriptor spans {data.Length} bytes");
        }

        var version = reader.U16(2, "bcdHID");
        var country = reader.U8(4, "bCountryCode");
        int count = reader.U8(5, "bNumDescriptors");
        if (count == 0)
        {
            throw reader.Error(5, "bNumDescriptors", "a HID descriptor lists at least the report descriptor");
        }

        if (data.Length != 6 + (3 * count))
        {
            throw reader.Error(5, "bNumDescriptors", $"{count} class descriptor(s) need bLength {6 + (3 * count)}, bLength is {data.Length}");
        }

        // count is bounded by bLength (checked just above), so this allocation is bounded too.
        var entries = new HidClassDescriptor[count];
        for (var i = 0; i < count; i++)
        {
            var at = 6 + (3 * i);
            entries[i] = new HidClassDescriptor(reader.U8(at, "bDescriptorType"), reader.U16(at + 1, "wDescriptorLength"));
        }

        return new HidDescriptor(version, country, entries);
    }

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        if (ClassDescriptors.Count is 0 or > MaxClassDescriptors)
        {
            throw new InvalidOperationException($"A HID descriptor lists 1..{MaxClassDescriptors} class descriptors, this one has {ClassDescriptors.Count}.");
        }

        RequireSpace(destination, Length);
        destination[0] = (byte)Length;
        destination[1] = DescriptorTypes.Hid;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HidVersion);
        destination[4] = CountryCode;
        destination[5] = (byte)ClassDescriptors.Count;
        for (var i = 0; i < ClassDescriptors.Count; i++)
        {
            var at = 6 + (3 * i);
            destination[at] = ClassDescriptors[i].DescriptorType;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 1)..], ClassDescriptors[i].DescriptorLength);
        }
    }
}
