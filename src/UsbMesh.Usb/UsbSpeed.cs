namespace UsbMesh.Usb;

/// <summary>
/// Bus speed of a device, numbered as Linux <c>enum usb_device_speed</c> (include/uapi/linux/usb/ch9.h), which is
/// also the value USB/IP carries in its device records and the <c>speed</c> written to the vhci attach file.
/// </summary>
public enum UsbSpeed : uint
{
    /// <summary>USB_SPEED_UNKNOWN: not yet known (enumeration failed or not attached).</summary>
    Unknown = 0,

    /// <summary>USB_SPEED_LOW: 1.5 Mbit/s (USB 1.x low speed).</summary>
    Low = 1,

    /// <summary>USB_SPEED_FULL: 12 Mbit/s (USB 1.x full speed).</summary>
    Full = 2,

    /// <summary>USB_SPEED_HIGH: 480 Mbit/s (USB 2.0).</summary>
    High = 3,

    /// <summary>USB_SPEED_WIRELESS: wireless USB 2.5; kept so the numbering matches, never produced by us.</summary>
    Wireless = 4,

    /// <summary>USB_SPEED_SUPER: 5 Gbit/s (USB 3.x Gen 1).</summary>
    Super = 5,

    /// <summary>USB_SPEED_SUPER_PLUS: 10 Gbit/s and above (USB 3.1 Gen 2 and later).</summary>
    SuperPlus = 6,
}

/// <summary>Display and unit helpers for <see cref="UsbSpeed"/>.</summary>
public static class UsbSpeeds
{
    /// <summary>Parses a USB/IP or Linux speed number; values outside the known set become <see cref="UsbSpeed.Unknown"/>.</summary>
    /// <param name="value">The numeric speed as carried on the wire.</param>
    public static UsbSpeed FromLinux(uint value) => value <= (uint)UsbSpeed.SuperPlus ? (UsbSpeed)value : UsbSpeed.Unknown;

    /// <summary>A short human name ("high (480 Mbit/s)") for tables.</summary>
    /// <param name="speed">The speed to describe.</param>
    public static string DisplayName(this UsbSpeed speed) => speed switch
    {
        UsbSpeed.Low => "low (1.5 Mbit/s)",
        UsbSpeed.Full => "full (12 Mbit/s)",
        UsbSpeed.High => "high (480 Mbit/s)",
        UsbSpeed.Wireless => "wireless (480 Mbit/s)",
        UsbSpeed.Super => "super (5 Gbit/s)",
        UsbSpeed.SuperPlus => "super+ (10 Gbit/s)",
        _ => "unknown",
    };

    /// <summary>
    /// Milliamperes per unit of <c>bMaxPower</c>: 2 mA below SuperSpeed, 8 mA at SuperSpeed and above (USB 3.2 §9.6.3).
    /// </summary>
    /// <param name="speed">The speed the configuration is used at.</param>
    public static int MaxPowerUnitMilliamps(this UsbSpeed speed) => speed >= UsbSpeed.Super ? 8 : 2;
}
