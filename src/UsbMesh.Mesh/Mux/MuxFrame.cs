using System.Buffers.Binary;

namespace UsbMesh.Mesh.Mux;

/// <summary>What a multiplexer frame carries.</summary>
internal enum MuxFrameType : byte
{
    /// <summary>Bytes for a lane (opening it, if the receiver has not seen it yet).</summary>
    Data = 1,

    /// <summary>The receiver of a lane lets its sender send this many more bytes (4-byte payload).</summary>
    Credit = 2,

    /// <summary>The sender will send nothing more on the lane.</summary>
    Close = 3,

    /// <summary>Are you there? (answered with <see cref="Pong"/>).</summary>
    Ping = 4,

    /// <summary>Here I am.</summary>
    Pong = 5,
}

/// <summary>
/// The frame header: type (1 byte), lane (4 bytes), payload length (4 bytes), big-endian. The length is checked
/// against the connection's maximum before a byte of payload is read or allocated.
/// </summary>
internal readonly record struct MuxFrameHeader(MuxFrameType Type, uint Lane, int Length)
{
    public const int Size = 9;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], Lane);
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], Length);
    }

    public static MuxFrameHeader Read(ReadOnlySpan<byte> source) =>
        new((MuxFrameType)source[0], BinaryPrimitives.ReadUInt32BigEndian(source[1..]), BinaryPrimitives.ReadInt32BigEndian(source[5..]));
}
