using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// Reads the big-endian fields of <see cref="AnnouncementFormat"/> from untrusted bytes. Every count and length is
/// checked against its cap and against the bytes actually left before anything is allocated for it, so a header that
/// claims two billion devices costs nothing. Problems throw <see cref="AnnouncementFormatException"/> naming the field.
/// </summary>
internal ref struct AnnouncementReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _position;

    public readonly int Remaining => _bytes.Length - _position;

    public ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
        {
            throw new AnnouncementFormatException($"{what} is cut short: it needs {count} bytes, {Remaining} are left");
        }

        var taken = _bytes.Slice(_position, count);
        _position += count;
        return taken;
    }

    public byte ReadByte(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16BigEndian(Take(sizeof(ushort), what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32BigEndian(Take(sizeof(uint), what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64BigEndian(Take(sizeof(long), what));

    /// <summary>A count of items each at least <paramref name="minItemBytes"/> long, at most <paramref name="max"/>.</summary>
    public int ReadCount(string what, int max, int minItemBytes)
    {
        var count = ReadUInt32($"the number of {what}");
        if (count > max)
        {
            throw new AnnouncementFormatException($"{count} {what} is more than the {max} an announcement may carry");
        }

        if (count * (long)minItemBytes > Remaining)
        {
            throw new AnnouncementFormatException($"{count} {what} cannot fit in the {Remaining} bytes that are left");
        }

        return (int)count;
    }

    public string ReadString(string what)
    {
        var length = ReadUInt32($"the length of {what}");
        if (length > AnnouncementFormat.MaxStringBytes)
        {
            throw new AnnouncementFormatException(
                $"{what} is {length} bytes long, more than the {AnnouncementFormat.MaxStringBytes} an announcement may carry");
        }

        var bytes = Take((int)length, what);
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : throw new AnnouncementFormatException($"{what} is not valid UTF-8");
    }

    public string? ReadOptionalString(string what) => ReadByte($"whether {what} is present") switch
    {
        0 => null,
        1 => ReadString(what),
        var other => throw new AnnouncementFormatException($"whether {what} is present must be 0 or 1, not {other}"),
    };

    public DateTimeOffset ReadUnixMilliseconds(string what)
    {
        var milliseconds = ReadInt64(what);
        if (milliseconds < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new AnnouncementFormatException($"{what} ({milliseconds} ms since 1970) is not a representable time");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    public readonly void ExpectEnd(string what)
    {
        if (Remaining != 0)
        {
            throw new AnnouncementFormatException($"{Remaining} unexpected bytes follow {what}");
        }
    }
}
