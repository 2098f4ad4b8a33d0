using System.Security.Cryptography;
using System.Text;

namespace UsbMesh.Gadgets.Backends;

/// <summary>
/// Who an emulated gadget says it is: idVendor/idProduct/bcdDevice and the manufacturer, product and serial strings.
/// </summary>
/// <remarks>
/// The defaults use vendor id 0x1209, the pid.codes vendor id, which sub-licenses product ids to open projects and
/// keeps a range of test product ids for development; the emulated devices take product ids 0x0002 (mass storage),
/// 0x0003 (keyboard) and 0x0004 (serial) from that test range as placeholders until UsbMesh registers its own (the
/// loopback test device already uses 0x1209:0x0001). Linux hosts bind usb-storage, usbhid and cdc_acm by interface
/// class, so no driver depends on these ids. NetChip's 0x0525:0xA4A5 (Linux's File-backed Storage Gadget) was not
/// used: it belongs to another vendor, and its only effect on a Linux host (the usb-storage quirk that trusts READ
/// CAPACITY) is not needed by a device that reports its capacity correctly.
/// </remarks>
/// <param name="VendorId">idVendor.</param>
/// <param name="ProductId">idProduct.</param>
/// <param name="DeviceVersion">bcdDevice.</param>
/// <param name="Manufacturer">iManufacturer text.</param>
/// <param name="Product">iProduct text.</param>
/// <param name="SerialNumber">iSerialNumber text.</param>
public sealed record GadgetIdentity(ushort VendorId, ushort ProductId, ushort DeviceVersion, string Manufacturer, string Product, string SerialNumber)
{
    /// <summary>pid.codes' vendor id.</summary>
    public const ushort PidCodesVendorId = 0x1209;

    /// <summary>Placeholder product id of the mass-storage gadget (pid.codes test range).</summary>
    public const ushort MassStorageProductId = 0x0002;

    /// <summary>Placeholder product id of the keyboard gadget (pid.codes test range).</summary>
    public const ushort KeyboardProductId = 0x0003;

    /// <summary>Placeholder product id of the serial gadget (pid.codes test range).</summary>
    public const ushort SerialProductId = 0x0004;

    /// <summary>The mass-storage default.</summary>
    public static GadgetIdentity MassStorage { get; } = new(PidCodesVendorId, MassStorageProductId, 0x0100, "UsbMesh", "Virtual Disk", "000000000001");

    /// <summary>The keyboard default.</summary>
    public static GadgetIdentity Keyboard { get; } = new(PidCodesVendorId, KeyboardProductId, 0x0100, "UsbMesh", "Virtual Keyboard", "000000000001");

    /// <summary>The serial default.</summary>
    public static GadgetIdentity Serial { get; } = new(PidCodesVendorId, SerialProductId, 0x0100, "UsbMesh", "Virtual Serial Port", "000000000001");

    /// <summary>The string descriptor texts.</summary>
    public GadgetStrings Strings => new(Manufacturer, Product, SerialNumber);

    /// <summary>This identity with another serial number.</summary>
    /// <param name="serialNumber">The serial number.</param>
    public GadgetIdentity WithSerial(string serialNumber) => this with { SerialNumber = serialNumber };

    /// <summary>
    /// A serial number derived from <paramref name="name"/>: the first <paramref name="length"/> uppercase hex digits
    /// of its SHA-256, so a gadget keeps its serial (and the host its /dev/disk/by-id name) across restarts.
    /// </summary>
    /// <param name="name">The gadget's configured name.</param>
    /// <param name="length">Hex digits, 1..64.</param>
    public static string SerialFor(string name, int length = 12)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 64);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..length];
    }
}
