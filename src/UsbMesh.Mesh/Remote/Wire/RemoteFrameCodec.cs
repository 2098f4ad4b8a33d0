using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace UsbMesh.Mesh.Remote.Wire;

/// <summary>
/// The control lane's framing: <c>u32 length</c> (big-endian, of what follows), <c>u8 kind</c>, then for every kind
/// two strings (<c>u16 length</c> + UTF-8): target and origin; a message adds <c>u16 serializer id</c>, the manifest
/// string and the payload (the rest of the frame); a termination adds one byte, existence confirmed.
/// </summary>
internal static class RemoteFrameCodec
{
    public const int LengthPrefix = 4;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Starts a frame in <paramref name="output"/>; returns where its length goes, for <see cref="EndFrame"/>.</summary>
    public static int BeginFrame(ArrayBufferWriter<byte> output, FrameKind kind, string target, string origin)
    {
        var start = output.WrittenCount;
        output.GetSpan(LengthPrefix)[..LengthPrefix].Clear();
        output.Advance(LengthPrefix);
        output.GetSpan(1)[0] = (byte)kind;
        output.Advance(1);
        WriteString(output, target);
        WriteString(output, origin);
        return start;
    }

    public static void WriteMessageHeader(ArrayBufferWriter<byte> output, ushort serializerId, string manifest)
    {
        BinaryPrimitives.WriteUInt16BigEndian(output.GetSpan(2), serializerId);
        output.Advance(2);
        WriteString(output, manifest);
    }

    public static void WriteFlag(ArrayBufferWriter<byte> output, bool flag)
    {
        output.GetSpan(1)[0] = flag ? (byte)1 : (byte)0;
        output.Advance(1);
    }

    /// <summary>Fills in the length of the frame begun at <paramref name="start"/>; returns the frame's whole size.</summary>
    public static int EndFrame(ArrayBufferWriter<byte> output, int start)
    {
        var size = output.WrittenCount - start;
        // The writer only hands out spans at its end; its written memory is ours to patch.
        var written = MemoryMarshal.AsMemory(output.WrittenMemory);
        BinaryPrimitives.WriteUInt32BigEndian(written.Span.Slice(start, LengthPrefix), (uint)(size - LengthPrefix));
        return size;
    }

    /// <summary>Decodes the body of a frame (what follows its length).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, out RemoteFrame frame, out string error)
    {
        frame = default;
        var reader = new SpanCursor(body);
        if (!reader.TryByte(out var kindByte) || kindByte is < (byte)FrameKind.Message or > (byte)FrameKind.Terminated)
        {
            error = body.IsEmpty ? "an empty frame" : $"unknown frame kind {kindByte}";
            return false;
        }

        var kind = (FrameKind)kindByte;
        if (!reader.TryString(out var target) || !reader.TryString(out var origin))
        {
            error = $"a truncated {kind} frame";
            return false;
        }

        switch (kind)
        {
            case FrameKind.Message:
                if (!reader.TryUInt16(out var serializerId) || !reader.TryString(out var manifest))
                {
                    error = "a truncated message header";
                    return false;
                }

                frame = new RemoteFrame(kind, target, origin, serializerId, manifest, reader.Rest);
                break;
            case FrameKind.Terminated:
                if (!reader.TryByte(out var confirmed) || !reader.Rest.IsEmpty)
                {
                    error = "a malformed termination frame";
                    return false;
                }

                frame = new RemoteFrame(kind, target, origin, ExistenceConfirmed: confirmed != 0);
                break;
            default:
                if (!reader.Rest.IsEmpty)
                {
                    error = $"{reader.Rest.Length} stray bytes after a {kind} frame";
                    return false;
                }

                frame = new RemoteFrame(kind, target, origin);
                break;
        }

        error = "";
        return true;
    }

    private static void WriteString(ArrayBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"a path or manifest of {length} bytes is too long", nameof(value));
        }

        var span = output.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        Encoding.UTF8.GetBytes(value, span[2..]);
        output.Advance(2 + length);
    }

    /// <summary>Reads fields off a frame body, failing softly at its end.</summary>
    private ref struct SpanCursor(ReadOnlyMemory<byte> body)
    {
        private ReadOnlyMemory<byte> _rest = body;

        public readonly ReadOnlyMemory<byte> Rest => _rest;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (_rest.IsEmpty)
            {
                return false;
            }

            value = _rest.Span[0];
            _rest = _rest[1..];
            return true;
        }

        public bool TryUInt16(out ushort value)
        {
            value = 0;
            if (_rest.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_rest.Span);
            _rest = _rest[2..];
            return true;
        }

        public bool TryString(out string value)
        {
            value = "";
            if (!TryUInt16(out var length) || _rest.Length < length)
            {
                return false;
            }

            try
            {
                value = StrictUtf8.GetString(_rest.Span[..length]);
            }
            catch (ArgumentException)
            {
                return false;
            }

            _rest = _rest[length..];
            return true;
        }
    }
}
