namespace UsbMesh.Usbipd;

/// <summary>
/// The status codes of OP_REP_* (tools/usb/usbip/src/usbip_network.h: ST_OK … ST_ERROR); the usbip tool prints
/// them as "device busy (exported)", "device not found" and so on.
/// </summary>
public static class UsbipdStatus
{
    /// <summary>ST_OK: request completed successfully.</summary>
    public const uint Ok = 0x00;

    /// <summary>ST_NA: request failed.</summary>
    public const uint NotAvailable = 0x01;

    /// <summary>ST_DEV_BUSY: the device is imported by someone else.</summary>
    public const uint DeviceBusy = 0x02;

    /// <summary>ST_DEV_ERR: the device is in an error state.</summary>
    public const uint DeviceError = 0x03;

    /// <summary>ST_NODEV: no exported device has this bus id.</summary>
    public const uint NoDevice = 0x04;

    /// <summary>ST_ERROR: unexpected response.</summary>
    public const uint Error = 0x05;
}
