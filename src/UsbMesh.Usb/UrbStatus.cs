namespace UsbMesh.Usb;

/// <summary>
/// The closed set of URB outcomes a backend (libusb transfer, emulated gadget) reports. USB/IP carries them as
/// negative Linux errno values in RET_SUBMIT <c>status</c> (Documentation/driver-api/usb/error-codes.rst); the
/// mapping both ways is <see cref="UrbStatuses.ToLinuxErrno"/> / <see cref="UrbStatuses.FromLinuxErrno"/>.
/// </summary>
public enum UrbStatus
{
    /// <summary>Success: 0. A short IN transfer is still a success unless URB_SHORT_NOT_OK asked otherwise.</summary>
    Completed,

    /// <summary>The endpoint stalled (or a control request was refused): -EPIPE (-32).</summary>
    Stall,

    /// <summary>The URB was unlinked (cancelled) before completing: -ECONNRESET (-104).</summary>
    Unlinked,

    /// <summary>The device was disconnected or its host controller stopped: -ESHUTDOWN (-108); -ENODEV (-19) reads back as this too.</summary>
    DeviceGone,

    /// <summary>Babble: the device sent more than the buffer or packet size: -EOVERFLOW (-75).</summary>
    Overflow,

    /// <summary>The transfer timed out: -ETIMEDOUT (-110).</summary>
    Timeout,

    /// <summary>An IN transfer came back short while URB_SHORT_NOT_OK was set: -EREMOTEIO (-121).</summary>
    ShortPacket,

    /// <summary>Any other failure (CRC, bit stuffing, missed isochronous slot, …): -EPROTO (-71).</summary>
    Other,
}

/// <summary>Linux errno values (positive, as in asm-generic/errno*.h) used in URB statuses.</summary>
public static class LinuxErrno
{
    /// <summary>ENOENT: URB killed synchronously (usb_kill_urb).</summary>
    public const int ENOENT = 2;

    /// <summary>ENODEV: device removed.</summary>
    public const int ENODEV = 19;

    /// <summary>EPIPE: endpoint stalled.</summary>
    public const int EPIPE = 32;

    /// <summary>ETIME: isochronous transfer missed its frame.</summary>
    public const int ETIME = 62;

    /// <summary>ENOSR: isochronous buffer underrun.</summary>
    public const int ENOSR = 63;

    /// <summary>ECOMM: isochronous buffer overrun.</summary>
    public const int ECOMM = 70;

    /// <summary>EPROTO: protocol error (bit stuffing, no response).</summary>
    public const int EPROTO = 71;

    /// <summary>EOVERFLOW: babble.</summary>
    public const int EOVERFLOW = 75;

    /// <summary>EILSEQ: CRC mismatch.</summary>
    public const int EILSEQ = 84;

    /// <summary>ECONNRESET: URB unlinked asynchronously (usb_unlink_urb).</summary>
    public const int ECONNRESET = 104;

    /// <summary>ESHUTDOWN: device or host controller shut down.</summary>
    public const int ESHUTDOWN = 108;

    /// <summary>ETIMEDOUT: transfer timed out.</summary>
    public const int ETIMEDOUT = 110;

    /// <summary>EINPROGRESS: URB still queued (never a final status).</summary>
    public const int EINPROGRESS = 115;

    /// <summary>EREMOTEIO: short packet with URB_SHORT_NOT_OK.</summary>
    public const int EREMOTEIO = 121;
}

/// <summary>Conversions between <see cref="UrbStatus"/> and Linux URB status codes.</summary>
public static class UrbStatuses
{
    /// <summary>
    /// The status as USB/IP sends it: 0 or a negative errno. Stall -32, Unlinked -104, DeviceGone -108,
    /// Overflow -75, Timeout -110, ShortPacket -121, Other -71.
    /// </summary>
    /// <param name="status">The outcome.</param>
    public static int ToLinuxErrno(this UrbStatus status) => status switch
    {
        UrbStatus.Completed => 0,
        UrbStatus.Stall => -LinuxErrno.EPIPE,
        UrbStatus.Unlinked => -LinuxErrno.ECONNRESET,
        UrbStatus.DeviceGone => -LinuxErrno.ESHUTDOWN,
        UrbStatus.Overflow => -LinuxErrno.EOVERFLOW,
        UrbStatus.Timeout => -LinuxErrno.ETIMEDOUT,
        UrbStatus.ShortPacket => -LinuxErrno.EREMOTEIO,
        _ => -LinuxErrno.EPROTO,
    };

    /// <summary>
    /// Reads a Linux URB status (0 or negative errno). Besides the inverse of <see cref="ToLinuxErrno"/>:
    /// -ENODEV reads as <see cref="UrbStatus.DeviceGone"/>, -ENOENT (synchronous kill) as
    /// <see cref="UrbStatus.Unlinked"/>, and every other value, positive ones included, as <see cref="UrbStatus.Other"/>.
    /// </summary>
    /// <param name="status">The status value.</param>
    public static UrbStatus FromLinuxErrno(int status) => status switch
    {
        0 => UrbStatus.Completed,
        -LinuxErrno.EPIPE => UrbStatus.Stall,
        -LinuxErrno.ECONNRESET or -LinuxErrno.ENOENT => UrbStatus.Unlinked,
        -LinuxErrno.ESHUTDOWN or -LinuxErrno.ENODEV => UrbStatus.DeviceGone,
        -LinuxErrno.EOVERFLOW => UrbStatus.Overflow,
        -LinuxErrno.ETIMEDOUT => UrbStatus.Timeout,
        -LinuxErrno.EREMOTEIO => UrbStatus.ShortPacket,
        _ => UrbStatus.Other,
    };

    /// <summary>
    /// The status of a transfer that finished without a bus error: <see cref="UrbStatus.ShortPacket"/> when it is
    /// an IN transfer, URB_SHORT_NOT_OK is set and fewer bytes than requested arrived; otherwise
    /// <see cref="UrbStatus.Completed"/> (a short read is normal without the flag, and OUT transfers are never short).
    /// </summary>
    /// <param name="direction">Transfer direction.</param>
    /// <param name="flags">The URB's transfer flags.</param>
    /// <param name="requestedLength">transfer_buffer_length.</param>
    /// <param name="actualLength">Bytes actually transferred.</param>
    public static UrbStatus ForSuccessfulTransfer(UsbDirection direction, UrbTransferFlags flags, int requestedLength, int actualLength) =>
        direction == UsbDirection.In && (flags & UrbTransferFlags.ShortNotOk) != 0 && actualLength < requestedLength
            ? UrbStatus.ShortPacket
            : UrbStatus.Completed;
}
