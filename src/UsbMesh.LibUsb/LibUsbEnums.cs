namespace UsbMesh.LibUsb;

/// <summary><c>enum libusb_error</c>: the negative return codes of libusb functions.</summary>
public enum LibUsbError
{
    /// <summary>LIBUSB_SUCCESS.</summary>
    Success = 0,

    /// <summary>LIBUSB_ERROR_IO: input/output error.</summary>
    Io = -1,

    /// <summary>LIBUSB_ERROR_INVALID_PARAM.</summary>
    InvalidParam = -2,

    /// <summary>LIBUSB_ERROR_ACCESS: insufficient permissions.</summary>
    Access = -3,

    /// <summary>LIBUSB_ERROR_NO_DEVICE: the device has been disconnected.</summary>
    NoDevice = -4,

    /// <summary>LIBUSB_ERROR_NOT_FOUND: entity (interface, driver) not found.</summary>
    NotFound = -5,

    /// <summary>LIBUSB_ERROR_BUSY: resource busy (interface claimed elsewhere, transfer already submitted).</summary>
    Busy = -6,

    /// <summary>LIBUSB_ERROR_TIMEOUT.</summary>
    Timeout = -7,

    /// <summary>LIBUSB_ERROR_OVERFLOW.</summary>
    Overflow = -8,

    /// <summary>LIBUSB_ERROR_PIPE: the endpoint stalled or the request was refused.</summary>
    Pipe = -9,

    /// <summary>LIBUSB_ERROR_INTERRUPTED: a system call was interrupted.</summary>
    Interrupted = -10,

    /// <summary>LIBUSB_ERROR_NO_MEM.</summary>
    NoMem = -11,

    /// <summary>LIBUSB_ERROR_NOT_SUPPORTED: not supported on this platform or by this driver.</summary>
    NotSupported = -12,

    /// <summary>LIBUSB_ERROR_OTHER.</summary>
    Other = -99,
}

/// <summary><c>enum libusb_transfer_status</c>: how a transfer (or an isochronous packet) ended.</summary>
public enum LibUsbTransferStatus
{
    /// <summary>LIBUSB_TRANSFER_COMPLETED (no bus error; the data may still be short).</summary>
    Completed = 0,

    /// <summary>LIBUSB_TRANSFER_ERROR.</summary>
    Error = 1,

    /// <summary>LIBUSB_TRANSFER_TIMED_OUT.</summary>
    TimedOut = 2,

    /// <summary>LIBUSB_TRANSFER_CANCELLED.</summary>
    Cancelled = 3,

    /// <summary>LIBUSB_TRANSFER_STALL (bulk/interrupt halt, or control request not supported).</summary>
    Stall = 4,

    /// <summary>LIBUSB_TRANSFER_NO_DEVICE: the device was disconnected.</summary>
    NoDevice = 5,

    /// <summary>LIBUSB_TRANSFER_OVERFLOW: the device sent more data than requested.</summary>
    Overflow = 6,
}

/// <summary><c>enum libusb_transfer_type</c>.</summary>
public enum LibUsbTransferType : byte
{
    /// <summary>LIBUSB_TRANSFER_TYPE_CONTROL.</summary>
    Control = 0,

    /// <summary>LIBUSB_TRANSFER_TYPE_ISOCHRONOUS.</summary>
    Isochronous = 1,

    /// <summary>LIBUSB_TRANSFER_TYPE_BULK.</summary>
    Bulk = 2,

    /// <summary>LIBUSB_TRANSFER_TYPE_INTERRUPT.</summary>
    Interrupt = 3,

    /// <summary>LIBUSB_TRANSFER_TYPE_BULK_STREAM.</summary>
    BulkStream = 4,
}

/// <summary><c>enum libusb_transfer_flags</c>. FREE_BUFFER and FREE_TRANSFER are never used: ownership stays managed.</summary>
[Flags]
public enum LibUsbTransferFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>LIBUSB_TRANSFER_SHORT_NOT_OK: a short IN transfer is an error.</summary>
    ShortNotOk = 1,

    /// <summary>LIBUSB_TRANSFER_ADD_ZERO_PACKET: end an OUT transfer that fills its last packet with a ZLP.</summary>
    AddZeroPacket = 8,
}

/// <summary><c>enum libusb_capability</c>.</summary>
public enum LibUsbCapability : uint
{
    /// <summary>LIBUSB_CAP_HAS_CAPABILITY: the library supports capability queries.</summary>
    HasCapability = 0x0000,

    /// <summary>LIBUSB_CAP_HAS_HOTPLUG.</summary>
    HasHotplug = 0x0001,

    /// <summary>LIBUSB_CAP_HAS_HID_ACCESS.</summary>
    HasHidAccess = 0x0100,

    /// <summary>LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER.</summary>
    SupportsDetachKernelDriver = 0x0101,
}

/// <summary><c>enum libusb_option</c> (the subset we set).</summary>
public enum LibUsbOption
{
    /// <summary>LIBUSB_OPTION_LOG_LEVEL; its argument is a <see cref="LibUsbLogLevel"/>.</summary>
    LogLevel = 0,
}

/// <summary><c>enum libusb_log_level</c>.</summary>
public enum LibUsbLogLevel
{
    /// <summary>LIBUSB_LOG_LEVEL_NONE.</summary>
    None = 0,

    /// <summary>LIBUSB_LOG_LEVEL_ERROR.</summary>
    Error = 1,

    /// <summary>LIBUSB_LOG_LEVEL_WARNING.</summary>
    Warning = 2,

    /// <summary>LIBUSB_LOG_LEVEL_INFO.</summary>
    Info = 3,

    /// <summary>LIBUSB_LOG_LEVEL_DEBUG.</summary>
    Debug = 4,
}

/// <summary><c>libusb_hotplug_event</c>.</summary>
public enum LibUsbHotplugEvent
{
    /// <summary>LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.</summary>
    Arrived = 1,

    /// <summary>LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.</summary>
    Left = 2,
}
