namespace UsbMesh.Usb;

/// <summary>
/// One descriptor as it appears on the wire: <c>bLength</c>, <c>bDescriptorType</c>, then its fields.
/// <see cref="WriteTo"/> and <see cref="ToBytes"/> produce exactly <see cref="Length"/> bytes.
/// </summary>
/// <remarks>
/// Derived records hold lists; record equality compares those by reference, so compare descriptors by
/// <see cref="ToBytes"/> when content equality matters.
/// </remarks>
public abstract record UsbDescriptor
{
    /// <summary>The <c>bDescriptorType</c> byte.</summary>
    public abstract byte DescriptorType { get; }

    /// <summary>The <c>bLength</c> byte: size of this descriptor alone (not of any children).</summary>
    public abstract int Length { get; }

    /// <summary>Writes this descriptor (without children) into the first <see cref="Length"/> bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    public abstract void WriteTo(Span<byte> destination);

    /// <summary>This descriptor's bytes; for a configuration, the whole <c>wTotalLength</c> blob.</summary>
    public virtual byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Throws unless <paramref name="destination"/> can hold <paramref name="length"/> bytes.</summary>
    protected static void RequireSpace(Span<byte> destination, int length)
    {
        if (destination.Length < length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes, the descriptor needs {length}.", nameof(destination));
        }
    }
}
