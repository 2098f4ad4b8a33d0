namespace UsbMesh.Usb;

/// <summary>Well-known HID report descriptors (short items, HID 1.11 §6.2.2).</summary>
public static class HidReportDescriptors
{
    /// <summary>
    /// The boot keyboard report descriptor of HID 1.11 appendix B.1 / E.6 (63 bytes): 8 modifier bits, a reserved
    /// byte, 5 LED output bits plus 3 padding bits, and a 6-key array of usages 0..101. Its input report is the
    /// 8-byte boot report every BIOS understands.
    /// </summary>
    public static ReadOnlySpan<byte> BootKeyboard =>
    [
        0x05, 0x01, // Usage Page (Generic Desktop)
        0x09, 0x06, // Usage (Keyboard)
        0xA1, 0x01, // Collection (Application)
        0x05, 0x07, //   Usage Page (Key Codes)
        0x19, 0xE0, //   Usage Minimum (224, left control)
        0x29, 0xE7, //   Usage Maximum (231, right GUI)
        0x15, 0x00, //   Logical Minimum (0)
        0x25, 0x01, //   Logical Maximum (1)
        0x75, 0x01, //   Report Size (1)
        0x95, 0x08, //   Report Count (8)
        0x81, 0x02, //   Input (Data, Variable, Absolute): modifier byte
        0x95, 0x01, //   Report Count (1)
        0x75, 0x08, //   Report Size (8)
        0x81, 0x01, //   Input (Constant): reserved byte
        0x95, 0x05, //   Report Count (5)
        0x75, 0x01, //   Report Size (1)
        0x05, 0x08, //   Usage Page (LEDs)
        0x19, 0x01, //   Usage Minimum (1, Num Lock)
        0x29, 0x05, //   Usage Maximum (5, Kana)
        0x91, 0x02, //   Output (Data, Variable, Absolute): LED report
        0x95, 0x01, //   Report Count (1)
        0x75, 0x03, //   Report Size (3)
        0x91, 0x01, //   Output (Constant): LED report padding
        0x95, 0x06, //   Report Count (6)
        0x75, 0x08, //   Report Size (8)
        0x15, 0x00, //   Logical Minimum (0)
        0x25, 0x65, //   Logical Maximum (101)
        0x05, 0x07, //   Usage Page (Key Codes)
        0x19, 0x00, //   Usage Minimum (0)
        0x29, 0x65, //   Usage Maximum (101)
        0x81, 0x00, //   Input (Data, Array): key array (6 bytes)
        0xC0,       // End Collection
    ];
}
