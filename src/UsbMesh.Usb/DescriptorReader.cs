using System.Buffers.Binary;

namespace UsbMesh.Usb;

/// <summary>
/// Bounds-checked little-endian reads over one descriptor, reporting errors at absolute offsets. Every read checks
/// the length first, so parsers built on it throw only <see cref="UsbDescriptorException"/>.
/// </summary>
internal readonly ref struct DescriptorReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;

    /// <summary>Wraps <paramref name="data"/>, whose first byte is at <paramref name="baseOffset"/> of the whole buffer.</summary>
    public DescriptorReader(ReadOnlySpan<byte> data, int baseOffset)
    {
        _data = data;
        _baseOffset = baseOffset;
    }

    public int Length => _data.Length;

    public byte U8(int at, string field)
    {
        Require(at, 1, field);
        return _data[at];
    }

    public ushort U16(int at, string field)
    {
        Require(at, 2, field);
        return BinaryPrimitives.ReadUInt16LittleEndian(_data[at..]);
    }

    public UsbDescriptorException Error(int at, string field, string detail) => new(_baseOffset + at, field, detail);

    /// <summary>
    /// Checks the common header: at least 2 bytes, <c>bLength</c> within the buffer and equal to (or, when
    /// <paramref name="exact"/> is false, at least) <paramref name="expectedLength"/>, and the descriptor type.
    /// </summary>
    public void RequireHeader(byte expectedType, int expectedLength, bool exact, string what)
    {
        if (_data.Length < 2)
        {
            throw Error(0, "bLength", $"{what} descriptor truncated: {_data.Length} byte(s), a header needs 2");
        }

        int length = _data[0];
        if (exact ? length != expectedLength : length < expectedLength)
        {
            throw Error(0, "bLength", $"{what} descriptor must be {(exact ? "exactly" : "at least")} {expectedLength} bytes, bLength is {length}");
        }

        if (length > _data.Length)
        {
            throw Error(0, "bLength", $"{what} descriptor declares {length} bytes but only {_data.Length} remain");
        }

        if (_data[1] != expectedType)
        {
            throw Error(1, "bDescriptorType", $"expected 0x{expectedType:X2} ({DescriptorTypes.GetName(expectedType)}), found 0x{_data[1]:X2}");
        }
    }

    private void Require(int at, int count, string field)
    {
        if (at < 0 || at > _data.Length - count)
        {
            throw Error(at, field, $"truncated: needs {count} byte(s) at relative offset {at}, descriptor has {_data.Length}");
        }
    }
}
