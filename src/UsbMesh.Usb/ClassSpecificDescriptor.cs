namespace UsbMesh.Usb;

/// <summary>
/// Any descriptor inside a configuration that this model does not type: class-specific ones (CDC functional
/// descriptors, audio, video; <c>bDescriptorType</c> 0x24/0x25), interface associations, SuperSpeed endpoint
/// companions, and HID-numbered (0x21) descriptors outside HID interfaces (DFU and CCID reuse 0x21).
/// It keeps the type and the bytes after the 2-byte header, so it round-trips byte for byte.
/// </summary>
public sealed record ClassSpecificDescriptor : UsbDescriptor
{
    /// <summary>Largest body: <c>bLength</c> is one byte and counts the 2-byte header.</summary>
    public const int MaxBodyLength = 255 - 2;

    private readonly byte[] _body;

    /// <summary>Creates a descriptor from its type and the bytes after <c>bLength</c>/<c>bDescriptorType</c>.</summary>
    /// <param name="descriptorType">The <c>bDescriptorType</c> byte.</param>
    /// <param name="body">The bytes after the header (for CS_INTERFACE, starting with <c>bDescriptorSubtype</c>).</param>
    public ClassSpecificDescriptor(byte descriptorType, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyLength)
        {
            throw new ArgumentException($"A descriptor body holds at most {MaxBodyLength} bytes, got {body.Length}.", nameof(body));
        }

        DescriptorType = descriptorType;
        _body = body.ToArray();
    }

    /// <inheritdoc />
    public override byte DescriptorType { get; }

    /// <summary>The bytes after the 2-byte header.</summary>
    public ReadOnlyMemory<byte> Body => _body;

    /// <summary>For CS_INTERFACE / CS_ENDPOINT descriptors, <c>bDescriptorSubtype</c> (first body byte); null when the body is empty.</summary>
    public byte? Subtype => _body.Length > 0 ? _body[0] : null;

    /// <inheritdoc />
    public override int Length => 2 + _body.Length;

    /// <summary>A CS_INTERFACE (0x24) descriptor with the given subtype and payload.</summary>
    /// <param name="subtype">bDescriptorSubtype.</param>
    /// <param name="payload">The fields after the subtype.</param>
    public static ClassSpecificDescriptor Interface(byte subtype, params ReadOnlySpan<byte> payload)
    {
        Span<byte> body = stackalloc byte[1 + payload.Length];
        body[0] = subtype;
        payload.CopyTo(body[1..]);
        return new ClassSpecificDescriptor(DescriptorTypes.ClassSpecificInterface, body);
    }

    /// <summary>Parses one descriptor of any type, checking only the header.</summary>
    /// <param name="data">Exactly the descriptor's bytes.</param>
    /// <param name="baseOffset">Offset of <paramref name="data"/> in the enclosing buffer, for error messages.</param>
    /// <exception cref="UsbDescriptorException">The header is malformed.</exception>
    public static ClassSpecificDescriptor Parse(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        var reader = new DescriptorReader(data, baseOffset);
        if (data.Length < 2)
        {
            throw reader.Error(0, "bLength", $"descriptor truncated: {data.Length} byte(s), a header needs 2");
        }

        if (data[0] != data.Length)
        {
            throw reader.Error(0, "bLength", $"bLength is {data[0]} but the descriptor spans {data.Length} bytes");
        }

        return new ClassSpecificDescriptor(data[1], data[2..]);
    }

    /// <inheritdoc />
    public override void WriteTo(Span<byte> destination)
    {
        RequireSpace(destination, Length);
        destination[0] = (byte)Length;
        destination[1] = DescriptorType;
        _body.CopyTo(destination[2..]);
    }
}
