namespace UsbMesh.Gadgets.MassStorage;

/// <summary>SCSI status byte of a completed command (SAM).</summary>
public enum ScsiStatus : byte
{
    /// <summary>GOOD.</summary>
    Good = 0x00,

    /// <summary>CHECK CONDITION: the sense data (REQUEST SENSE) says why.</summary>
    CheckCondition = 0x02,
}

/// <summary>Sense key, additional sense code and qualifier of the last failed command (SPC-4, 4.5).</summary>
/// <param name="Key">Sense key (low nibble).</param>
/// <param name="Asc">Additional sense code.</param>
/// <param name="Ascq">Additional sense code qualifier.</param>
public readonly record struct ScsiSense(byte Key, byte Asc, byte Ascq)
{
    /// <summary>Length of fixed-format sense data as this device returns it.</summary>
    public const int FixedFormatLength = 18;

    /// <summary>NO SENSE: nothing to report.</summary>
    public static ScsiSense NoSense { get; } = new(0x00, 0x00, 0x00);

    /// <summary>NOT READY / MEDIUM NOT PRESENT (after an eject).</summary>
    public static ScsiSense MediumNotPresent { get; } = new(0x02, 0x3A, 0x00);

    /// <summary>MEDIUM ERROR / UNRECOVERED READ ERROR.</summary>
    public static ScsiSense UnrecoveredReadError { get; } = new(0x03, 0x11, 0x00);

    /// <summary>MEDIUM ERROR / WRITE ERROR.</summary>
    public static ScsiSense WriteError { get; } = new(0x03, 0x0C, 0x00);

    /// <summary>ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.</summary>
    public static ScsiSense InvalidOpcode { get; } = new(0x05, 0x20, 0x00);

    /// <summary>ILLEGAL REQUEST / LOGICAL BLOCK ADDRESS OUT OF RANGE.</summary>
    public static ScsiSense LbaOutOfRange { get; } = new(0x05, 0x21, 0x00);

    /// <summary>ILLEGAL REQUEST / INVALID FIELD IN CDB.</summary>
    public static ScsiSense InvalidFieldInCdb { get; } = new(0x05, 0x24, 0x00);

    /// <summary>ILLEGAL REQUEST / SAVING PARAMETERS NOT SUPPORTED (MODE SENSE with saved values).</summary>
    public static ScsiSense SavingParametersNotSupported { get; } = new(0x05, 0x39, 0x00);

    /// <summary>ILLEGAL REQUEST / MEDIUM REMOVAL PREVENTED (eject while PREVENT ALLOW MEDIUM REMOVAL holds).</summary>
    public static ScsiSense MediumRemovalPrevented { get; } = new(0x05, 0x53, 0x02);

    /// <summary>DATA PROTECT / WRITE PROTECTED.</summary>
    public static ScsiSense WriteProtected { get; } = new(0x07, 0x27, 0x00);

    /// <summary>Writes fixed-format sense data (response code 0x70, current error) into 18 bytes.</summary>
    /// <param name="destination">At least <see cref="FixedFormatLength"/> bytes.</param>
    public void WriteFixedFormat(Span<byte> destination)
    {
        var sense = destination[..FixedFormatLength];
        sense.Clear();
        sense[0] = 0x70;                           // current error, fixed format, VALID = 0 (no information field)
        sense[2] = (byte)(Key & 0x0F);             // sense key
        sense[7] = FixedFormatLength - 8;          // additional sense length: bytes 8..17
        sense[12] = Asc;
        sense[13] = Ascq;
    }
}
