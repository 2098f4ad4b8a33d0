using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// Appends the big-endian fields of <see cref="AnnouncementFormat"/>. Refuses (ArgumentException) what a reader would
/// refuse, so this node never signs an announcement its peers cannot read.
/// </summary>
internal sealed class AnnouncementWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public int Length => _buffer.WrittenCount;

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void WriteByte(byte value) => _buffer.Write([value]);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Next(sizeof(ushort)), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Next(sizeof(uint)), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Next(sizeof(long)), value);

    public void WriteCount(int count, int max, string what)
    {
        if (count > max)
        {
            throw new ArgumentException($"{what}: {count} is more than the {max} an announcement may carry");
        }

        WriteUInt32((uint)count);
    }

    public void WriteString(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > AnnouncementFormat.MaxStringBytes)
        {
            throw new ArgumentException(
                $"{what}: {bytes.Length} bytes of UTF-8 is more than the {AnnouncementFormat.MaxStringBytes} an announcement may carry");
        }

        WriteUInt32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    public void WriteOptionalString(string? value, string what)
    {
        WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is not null)
        {
            WriteString(value, what);
        }
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private Span<byte> Next(int size)
    {
        var span = _buffer.GetSpan(size)[..size];
        _buffer.Advance(size);
        return span;
    }
}
