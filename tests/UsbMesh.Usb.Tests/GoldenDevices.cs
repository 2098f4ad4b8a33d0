namespace UsbMesh.Usb.Tests;

/// <summary>Descriptor bytes of real devices, each with its public source.</summary>
internal static class GoldenDevices
{
    /// <summary>
    /// Cherry keyboard 046A:0011 (low speed), device descriptor. Source: the example output of TMK's USB descriptor
    /// dumper, github.com/tmk/tmk_keyboard converter/usb_desc_dump/README.md ("Device Descriptor:" hex dump).
    /// </summary>
    public static readonly byte[] KeyboardDevice = Hex.Parse("""
        12 01 00 02 00 00 00 08 6A 04 11 00 00 01 00 00
        00 01
        """);

    /// <summary>
    /// The same keyboard's configuration (wTotalLength 0x22), same source ("Config0: len:0022"): one boot-keyboard
    /// HID interface with a HID descriptor announcing a 0x40-byte report descriptor and interrupt IN endpoint 0x81.
    /// </summary>
    public static readonly byte[] KeyboardConfiguration = Hex.Parse("""
        09 02 22 00 01 01 00 A0 32 09 04 00 00 01 03 01
        01 00 09 21 11 01 00 01 22 40 00 07 05 81 03 08
        00 0A
        """);

    /// <summary>The keyboard's report descriptor, same source ("Report0: len:0040").</summary>
    public static readonly byte[] KeyboardReport = Hex.Parse("""
        05 01 09 06 A1 01 05 07 19 E0 29 E7 15 00 25 01
        75 01 95 08 81 02 95 01 75 08 81 01 95 03 75 01
        05 08 19 01 29 03 91 02 95 05 75 01 91 01 95 06
        75 08 15 00 26 DD 00 05 07 19 00 29 DD 81 00 C0
        """);

    /// <summary>
    /// Realtek USB 2.0 card reader 0BDA:0158 (mass storage, SCSI, Bulk-Only), device descriptor, transcribed field
    /// by field from its <c>lsusb -v</c> in the linux-hardware.org probe log https://linux-hardware.ru/?log=lsusb&amp;probe=287379af9f
    /// (bcdUSB 2.00, bMaxPacketSize0 64, bcdDevice 51.95, strings 1/2/3, one configuration).
    /// </summary>
    public static readonly byte[] CardReaderDevice = Hex.Parse("""
        12 01 00 02 00 00 00 40 DA 0B 58 01 95 51 01 02
        03 01
        """);

    /// <summary>
    /// The card reader's configuration from the same log: wTotalLength 0x0020, iConfiguration 4, bmAttributes 0xa0,
    /// MaxPower 500mA (0xFA), interface 08/06/50 with iInterface 5, bulk OUT 0x01 and bulk IN 0x82 of 512 bytes.
    /// </summary>
    public static readonly byte[] CardReaderConfiguration = Hex.Parse("""
        09 02 20 00 01 01 04 A0 FA  // configuration
        09 04 00 00 02 08 06 50 05  // interface 0: mass storage, SCSI, bulk-only
        07 05 01 02 00 02 00        // EP 1 OUT bulk 512
        07 05 82 02 00 02 00        // EP 2 IN bulk 512
        """);

    /// <summary>
    /// A CH55x CDC-ACM serial adapter's configuration (wTotalLength 0x43): the descriptor table its firmware serves,
    /// github.com/andreasb242/CH55xg-SerialTemplate usb-descriptor/part1.template.h (g_DescriptorConfiguration).
    /// </summary>
    public static readonly byte[] CdcAcmConfiguration = Hex.Parse("""
        09 02 43 00 02 01 00 A0 32  // configuration: 67 bytes, 2 interfaces
        09 04 00 00 01 02 02 01 00  // interface 0: CDC, ACM, AT commands, 1 endpoint
        05 24 00 10 01              // header, bcdCDC 1.10
        05 24 01 00 00              // call management: caps 0, data interface 0
        04 24 02 02                 // ACM: line coding + serial state
        05 24 06 00 01              // union: control 0, subordinate 1
        07 05 81 03 10 00 40        // EP 1 IN interrupt 16, interval 64
        09 04 01 00 02 0A 00 00 00  // interface 1: CDC data, 2 endpoints
        07 05 02 02 40 00 00        // EP 2 OUT bulk 64
        07 05 82 02 40 00 00        // EP 2 IN bulk 64
        """);

    /// <summary>
    /// String descriptor 0 (US English) as served by the Kroneum firmware, github.com/azasypkin/kroneum
    /// sw/firmware/bin/src/usb/descriptors.rs (LANG_ID_DESCRIPTOR).
    /// </summary>
    public static readonly byte[] LanguageIds = Hex.Parse("04 03 09 04");

    /// <summary>
    /// Same source, PRODUCT_STR ("Kroneum"): a 16-byte array whose bLength says 0x1C, a real-world descriptor that
    /// claims more bytes than it has.
    /// </summary>
    public static readonly byte[] KroneumProductStringAsPublished = Hex.Parse("1C 03 4B 00 72 00 6F 00 6E 00 65 00 75 00 6D 00");
}
