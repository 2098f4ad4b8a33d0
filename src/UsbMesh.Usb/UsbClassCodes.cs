namespace UsbMesh.Usb;

/// <summary>
/// Base class codes (usb.org "Defined Class Codes"; Linux USB_CLASS_* in ch9.h) and the subclass/protocol codes
/// of the classes our gadgets emulate, with display names for device tables.
/// </summary>
public static class UsbClassCodes
{
    /// <summary>USB_CLASS_PER_INTERFACE: the class is given by each interface (device descriptor only).</summary>
    public const byte PerInterface = 0x00;

    /// <summary>USB_CLASS_AUDIO.</summary>
    public const byte Audio = 0x01;

    /// <summary>USB_CLASS_COMM: CDC communications (control interface, or whole device).</summary>
    public const byte Communications = 0x02;

    /// <summary>USB_CLASS_HID.</summary>
    public const byte Hid = 0x03;

    /// <summary>USB_CLASS_PHYSICAL.</summary>
    public const byte Physical = 0x05;

    /// <summary>USB_CLASS_STILL_IMAGE.</summary>
    public const byte Image = 0x06;

    /// <summary>USB_CLASS_PRINTER.</summary>
    public const byte Printer = 0x07;

    /// <summary>USB_CLASS_MASS_STORAGE.</summary>
    public const byte MassStorage = 0x08;

    /// <summary>USB_CLASS_HUB.</summary>
    public const byte Hub = 0x09;

    /// <summary>USB_CLASS_CDC_DATA.</summary>
    public const byte CdcData = 0x0A;

    /// <summary>USB_CLASS_CSCID: smart card.</summary>
    public const byte SmartCard = 0x0B;

    /// <summary>USB_CLASS_CONTENT_SEC.</summary>
    public const byte ContentSecurity = 0x0D;

    /// <summary>USB_CLASS_VIDEO.</summary>
    public const byte Video = 0x0E;

    /// <summary>Personal healthcare.</summary>
    public const byte PersonalHealthcare = 0x0F;

    /// <summary>Audio/video devices.</summary>
    public const byte AudioVideo = 0x10;

    /// <summary>USB_CLASS_BILLBOARD.</summary>
    public const byte Billboard = 0x11;

    /// <summary>USB Type-C bridge.</summary>
    public const byte TypeCBridge = 0x12;

    /// <summary>Diagnostic device.</summary>
    public const byte Diagnostic = 0xDC;

    /// <summary>USB_CLASS_WIRELESS_CONTROLLER (includes Bluetooth).</summary>
    public const byte WirelessController = 0xE0;

    /// <summary>USB_CLASS_MISC (device class of composite devices using interface associations).</summary>
    public const byte Miscellaneous = 0xEF;

    /// <summary>USB_CLASS_APP_SPEC (DFU, IrDA bridge, test and measurement).</summary>
    public const byte ApplicationSpecific = 0xFE;

    /// <summary>USB_CLASS_VENDOR_SPEC.</summary>
    public const byte VendorSpecific = 0xFF;

    /// <summary>HID subclass 1: boot interface (HID 1.11 §4.2).</summary>
    public const byte HidSubClassBoot = 0x01;

    /// <summary>HID boot protocol 1: keyboard (HID 1.11 §4.3).</summary>
    public const byte HidProtocolKeyboard = 0x01;

    /// <summary>HID boot protocol 2: mouse (HID 1.11 §4.3).</summary>
    public const byte HidProtocolMouse = 0x02;

    /// <summary>Mass storage subclass 6: SCSI transparent command set (MSC overview §2).</summary>
    public const byte MassStorageSubClassScsi = 0x06;

    /// <summary>Mass storage protocol 0x50: Bulk-Only Transport (MSC overview §3).</summary>
    public const byte MassStorageProtocolBulkOnly = 0x50;

    /// <summary>CDC subclass 2: Abstract Control Model (CDC 1.2 table 4).</summary>
    public const byte CdcSubClassAcm = 0x02;

    /// <summary>CDC protocol 1: AT commands, V.250 (CDC 1.2 table 5).</summary>
    public const byte CdcProtocolAtCommands = 0x01;

    /// <summary>A display name for a base class code, as a <c>usbip list</c>-like table shows it.</summary>
    /// <param name="classCode">The class code.</param>
    public static string GetName(byte classCode) => classCode switch
    {
        PerInterface => "(defined at interface level)",
        Audio => "Audio",
        Communications => "Communications",
        Hid => "Human Interface Device",
        Physical => "Physical Interface Device",
        Image => "Imaging",
        Printer => "Printer",
        MassStorage => "Mass Storage",
        Hub => "Hub",
        CdcData => "CDC Data",
        SmartCard => "Chip/SmartCard",
        ContentSecurity => "Content Security",
        Video => "Video",
        PersonalHealthcare => "Personal Healthcare",
        AudioVideo => "Audio/Video",
        Billboard => "Billboard",
        TypeCBridge => "Type-C Bridge",
        Diagnostic => "Diagnostic",
        WirelessController => "Wireless",
        Miscellaneous => "Miscellaneous Device",
        ApplicationSpecific => "Application Specific Interface",
        VendorSpecific => "Vendor Specific Class",
        _ => $"Unknown class 0x{classCode:X2}",
    };
}
