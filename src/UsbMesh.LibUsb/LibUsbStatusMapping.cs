namespace UsbMesh.LibUsb;

/// <summary>Translations from libusb's enums to the project's USB vocabulary.</summary>
public static class LibUsbStatusMapping
{
    /// <summary>
    /// The URB outcome of a transfer or isochronous packet status: COMPLETED → Completed, ERROR → Other (-EPROTO),
    /// TIMED_OUT → Timeout (-ETIMEDOUT), CANCELLED → Unlinked (-ECONNRESET), STALL → Stall (-EPIPE),
    /// NO_DEVICE → DeviceGone (-ESHUTDOWN), OVERFLOW → Overflow (-EOVERFLOW); anything else → Other.
    /// </summary>
    /// <param name="status">The libusb status.</param>
    public static UrbStatus ToUrbStatus(this LibUsbTransferStatus status) => status switch
    {
        LibUsbTransferStatus.Completed => UrbStatus.Completed,
        LibUsbTransferStatus.TimedOut => UrbStatus.Timeout,
        LibUsbTransferStatus.Cancelled => UrbStatus.Unlinked,
        LibUsbTransferStatus.Stall => UrbStatus.Stall,
        LibUsbTransferStatus.NoDevice => UrbStatus.DeviceGone,
        LibUsbTransferStatus.Overflow => UrbStatus.Overflow,
        _ => UrbStatus.Other,
    };

    /// <summary>
    /// The URB outcome for a libusb error returned synchronously (e.g. by <c>libusb_submit_transfer</c>):
    /// NO_DEVICE → DeviceGone, PIPE → Stall, TIMEOUT → Timeout, OVERFLOW → Overflow, others → Other.
    /// </summary>
    /// <param name="error">The libusb error.</param>
    public static UrbStatus ToUrbStatus(this LibUsbError error) => error switch
    {
        LibUsbError.Success => UrbStatus.Completed,
        LibUsbError.NoDevice => UrbStatus.DeviceGone,
        LibUsbError.Pipe => UrbStatus.Stall,
        LibUsbError.Timeout => UrbStatus.Timeout,
        LibUsbError.Overflow => UrbStatus.Overflow,
        _ => UrbStatus.Other,
    };

    /// <summary>
    /// <c>enum libusb_speed</c> (UNKNOWN 0, LOW 1, FULL 2, HIGH 3, SUPER 4, SUPER_PLUS 5, SUPER_PLUS_X2 6) to the
    /// Linux numbering of <see cref="UsbSpeed"/>, which has WIRELESS at 4.
    /// </summary>
    /// <param name="libUsbSpeed">The value <c>libusb_get_device_speed</c> returned.</param>
    public static UsbSpeed ToUsbSpeed(int libUsbSpeed) => libUsbSpeed switch
    {
        1 => UsbSpeed.Low,
        2 => UsbSpeed.Full,
        3 => UsbSpeed.High,
        4 => UsbSpeed.Super,
        5 or 6 => UsbSpeed.SuperPlus,
        _ => UsbSpeed.Unknown,
    };
}
