namespace UsbMesh.Usb;

/// <summary>
/// A descriptor (or descriptor blob) is malformed. It is the only exception the descriptor parsers throw; it names
/// the byte offset (from the start of the parsed buffer) and the field at fault.
/// </summary>
public sealed class UsbDescriptorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="offset">Offset of the offending field from the start of the parsed buffer.</param>
    /// <param name="field">Spec name of the field (e.g. <c>bLength</c>, <c>wTotalLength</c>).</param>
    /// <param name="detail">What is wrong with it.</param>
    public UsbDescriptorException(int offset, string field, string detail)
        : base($"Malformed USB descriptor at offset {offset}, field {field}: {detail}")
    {
        Offset = offset;
        Field = field;
        Detail = detail;
    }

    /// <summary>Offset of the offending field from the start of the parsed buffer.</summary>
    public int Offset { get; }

    /// <summary>Spec name of the field at fault.</summary>
    public string Field { get; }

    /// <summary>What is wrong with the field.</summary>
    public string Detail { get; }
}
