using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Hid;

/// <summary>Modifier byte of a boot keyboard report (HID Usage Tables, keyboard page 0xE0..0xE7).</summary>
[Flags]
public enum KeyModifiers : byte
{
    /// <summary>No modifier.</summary>
    None = 0,

    /// <summary>Left Control (0xE0).</summary>
    LeftControl = 0x01,

    /// <summary>Left Shift (0xE1).</summary>
    LeftShift = 0x02,

    /// <summary>Left Alt (0xE2).</summary>
    LeftAlt = 0x04,

    /// <summary>Left GUI (0xE3).</summary>
    LeftGui = 0x08,

    /// <summary>Right Control (0xE4).</summary>
    RightControl = 0x10,

    /// <summary>Right Shift (0xE5).</summary>
    RightShift = 0x20,

    /// <summary>Right Alt (0xE6).</summary>
    RightAlt = 0x40,

    /// <summary>Right GUI (0xE7).</summary>
    RightGui = 0x80,
}

/// <summary>
/// An 8-byte boot keyboard input report: modifiers, a reserved byte, six key usage codes (0 = none).
/// This device presses at most one non-modifier key at a time, so only the first key slot is used.
/// </summary>
/// <param name="Modifiers">Modifier keys held.</param>
/// <param name="Key">Usage code of the key held (keyboard page), 0 for none.</param>
public readonly record struct BootKeyboardReport(KeyModifiers Modifiers, byte Key)
{
    /// <summary>Size of a boot keyboard input report.</summary>
    public const int Length = 8;

    /// <summary>All keys released.</summary>
    public static BootKeyboardReport Released { get; } = new(KeyModifiers.None, 0);

    /// <summary>Writes the 8 report bytes.</summary>
    /// <param name="destination">At least 8 bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        var d = destination[..Length];
        d.Clear();
        d[0] = (byte)Modifiers;
        d[2] = Key;
    }

    /// <summary>The 8 report bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }
}

/// <summary>The keyboard LEDs as the host sets them with the 1-byte output report.</summary>
/// <param name="NumLock">Bit 0.</param>
/// <param name="CapsLock">Bit 1.</param>
/// <param name="ScrollLock">Bit 2.</param>
/// <param name="Compose">Bit 3.</param>
/// <param name="Kana">Bit 4.</param>
public readonly record struct KeyboardLedState(bool NumLock, bool CapsLock, bool ScrollLock, bool Compose, bool Kana)
{
    /// <summary>Parses the LED output report (the first byte; bits 5..7 are padding and ignored).</summary>
    /// <param name="report">The output report: at least one byte.</param>
    public static KeyboardLedState Parse(ReadOnlySpan<byte> report)
    {
        if (report.IsEmpty)
        {
            throw new ArgumentException("A keyboard LED output report has one byte; got none.", nameof(report));
        }

        return FromByte(report[0]);
    }

    /// <summary>Decodes the LED bits of <paramref name="value"/>.</summary>
    /// <param name="value">The output report byte.</param>
    public static KeyboardLedState FromByte(byte value) => new(
        (value & 0x01) != 0, (value & 0x02) != 0, (value & 0x04) != 0, (value & 0x08) != 0, (value & 0x10) != 0);

    /// <summary>The output report byte for this state.</summary>
    public byte ToByte() => (byte)((NumLock ? 0x01 : 0) | (CapsLock ? 0x02 : 0) | (ScrollLock ? 0x04 : 0)
        | (Compose ? 0x08 : 0) | (Kana ? 0x10 : 0));
}

/// <summary>The boot keyboard's fixed descriptors.</summary>
public static class BootKeyboardDescriptors
{
    /// <summary>HID class descriptor type of a report descriptor (GET_DESCRIPTOR wValue high byte).</summary>
    public const byte ReportDescriptorType = 0x22;

    /// <summary>The boot keyboard report descriptor of HID 1.11 Appendix B.1 (63 bytes), as the USB model defines it.</summary>
    public static ReadOnlySpan<byte> ReportDescriptor => HidReportDescriptors.BootKeyboard;
}
