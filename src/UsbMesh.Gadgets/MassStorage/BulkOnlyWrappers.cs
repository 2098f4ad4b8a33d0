using System.Buffers.Binary;

namespace UsbMesh.Gadgets.MassStorage;

/// <summary>
/// Command Block Wrapper (USB Mass Storage Class Bulk-Only Transport 1.0, 5.1), 31 bytes little-endian:
/// <c>dCBWSignature</c> 0x43425355 ("USBC"), <c>dCBWTag</c>, <c>dCBWDataTransferLength</c>, <c>bmCBWFlags</c>
/// (bit 7: 1 = data in), <c>bCBWLUN</c> (bits 3..0), <c>bCBWCBLength</c> (bits 4..0, 1..16), <c>CBWCB</c> (16 bytes).
/// </summary>
/// <param name="Tag">dCBWTag, echoed in the CSW.</param>
/// <param name="DataTransferLength">dCBWDataTransferLength: bytes the host expects to move.</param>
/// <param name="Flags">bmCBWFlags.</param>
/// <param name="Lun">bCBWLUN (low four bits).</param>
/// <param name="CommandLength">bCBWCBLength (low five bits).</param>
public readonly record struct CommandBlockWrapper(uint Tag, uint DataTransferLength, byte Flags, byte Lun, byte CommandLength)
{
    /// <summary>Size of a CBW on the wire.</summary>
    public const int Length = 31;

    /// <summary>"USBC" read as a little-endian uint.</summary>
    public const uint Signature = 0x43425355;

    /// <summary>True when the data phase goes device to host.</summary>
    public bool IsDataIn => (Flags & 0x80) != 0;

    /// <summary>
    /// Parses <paramref name="transfer"/> as a valid CBW (BOT 6.2.1: received as exactly 31 bytes, signature "USBC");
    /// false otherwise. Whether it is also meaningful (6.2.2) is <see cref="IsMeaningful"/>.
    /// </summary>
    /// <param name="transfer">One complete bulk-out transfer.</param>
    /// <param name="cbw">The parsed wrapper.</param>
    public static bool TryParse(ReadOnlySpan<byte> transfer, out CommandBlockWrapper cbw)
    {
        if (transfer.Length != Length || BinaryPrimitives.ReadUInt32LittleEndian(transfer) != Signature)
        {
            cbw = default;
            return false;
        }

        cbw = new CommandBlockWrapper(
            BinaryPrimitives.ReadUInt32LittleEndian(transfer[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(transfer[8..]),
            transfer[12],
            (byte)(transfer[13] & 0x0F),
            (byte)(transfer[14] & 0x1F));
        return true;
    }

    /// <summary>The command block bytes of a valid CBW transfer.</summary>
    /// <param name="transfer">The 31-byte transfer <see cref="TryParse"/> accepted.</param>
    public ReadOnlySpan<byte> CommandBlock(ReadOnlySpan<byte> transfer) => transfer.Slice(15, Math.Clamp((int)CommandLength, 0, 16));

    /// <summary>Meaningful (BOT 6.2.2): reserved flag bits clear, LUN supported, command length 1..16.</summary>
    /// <param name="maxLun">The highest LUN the device supports.</param>
    public bool IsMeaningful(byte maxLun) => (Flags & 0x7F) == 0 && Lun <= maxLun && CommandLength is >= 1 and <= 16;

    /// <summary>Writes the 31-byte wrapper (hosts and tests build CBWs with this).</summary>
    /// <param name="destination">At least 31 bytes.</param>
    /// <param name="commandBlock">CBWCB bytes (at most 16; the rest of the field is zero).</param>
    public void WriteTo(Span<byte> destination, ReadOnlySpan<byte> commandBlock)
    {
        var d = destination[..Length];
        d.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(d, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], Tag);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], DataTransferLength);
        d[12] = Flags;
        d[13] = Lun;
        d[14] = CommandLength;
        commandBlock[..Math.Min(commandBlock.Length, 16)].CopyTo(d[15..]);
    }
}

/// <summary>bCSWStatus values (BOT 5.2).</summary>
public enum CommandStatus : byte
{
    /// <summary>Command passed.</summary>
    Passed = 0x00,

    /// <summary>Command failed: the host asks REQUEST SENSE.</summary>
    Failed = 0x01,

    /// <summary>Phase error: the host performs reset recovery.</summary>
    PhaseError = 0x02,
}

/// <summary>
/// Command Status Wrapper (BOT 5.2), 13 bytes little-endian: <c>dCSWSignature</c> 0x53425355 ("USBS"),
/// <c>dCSWTag</c>, <c>dCSWDataResidue</c>, <c>bCSWStatus</c>.
/// </summary>
/// <param name="Tag">The tag of the CBW this answers.</param>
/// <param name="DataResidue">Expected minus processed bytes.</param>
/// <param name="Status">bCSWStatus.</param>
public readonly record struct CommandStatusWrapper(uint Tag, uint DataResidue, CommandStatus Status)
{
    /// <summary>Size of a CSW on the wire.</summary>
    public const int Length = 13;

    /// <summary>"USBS" read as a little-endian uint.</summary>
    public const uint Signature = 0x53425355;

    /// <summary>Writes the 13-byte wrapper.</summary>
    /// <param name="destination">At least 13 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        var d = destination[..Length];
        BinaryPrimitives.WriteUInt32LittleEndian(d, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], Tag);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], DataResidue);
        d[12] = (byte)Status;
    }

    /// <summary>Parses a 13-byte CSW (for tests and host-side tools); false when the length or signature is wrong.</summary>
    /// <param name="transfer">The bytes.</param>
    /// <param name="csw">The parsed wrapper.</param>
    public static bool TryParse(ReadOnlySpan<byte> transfer, out CommandStatusWrapper csw)
    {
        if (transfer.Length != Length || BinaryPrimitives.ReadUInt32LittleEndian(transfer) != Signature)
        {
            csw = default;
            return false;
        }

        csw = new CommandStatusWrapper(
            BinaryPrimitives.ReadUInt32LittleEndian(transfer[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(transfer[8..]),
            (CommandStatus)transfer[12]);
        return true;
    }
}
