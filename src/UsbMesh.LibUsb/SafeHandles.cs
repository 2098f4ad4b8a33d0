using Microsoft.Win32.SafeHandles;

namespace UsbMesh.LibUsb;

/// <summary>Owns a <c>libusb_context*</c>; releasing it calls <c>libusb_exit</c>.</summary>
public sealed class LibUsbContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an empty handle (used by the marshaller).</summary>
    public LibUsbContextHandle()
        : base(ownsHandle: true)
    {
    }

    internal LibUsbContextHandle(IntPtr context)
        : base(ownsHandle: true) => SetHandle(context);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibUsbNative.Exit(handle);
        return true;
    }
}

/// <summary>
/// Owns one reference to a <c>libusb_device*</c> (<c>libusb_unref_device</c> on release) and keeps the context alive
/// as long as the reference exists.
/// </summary>
public sealed class LibUsbDeviceRefHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly LibUsbContextHandle? _context;

    /// <summary>Creates an empty handle (used by the marshaller).</summary>
    public LibUsbDeviceRefHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Takes a new reference on <paramref name="device"/> (<c>libusb_ref_device</c>).</summary>
    /// <param name="context">The context the device belongs to; kept alive until release.</param>
    /// <param name="device">The device pointer, referenced by the caller for the duration of this call.</param>
    internal LibUsbDeviceRefHandle(LibUsbContextHandle context, IntPtr device)
        : base(ownsHandle: true)
    {
        var added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        SetHandle(LibUsbNative.RefDevice(device));
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibUsbNative.UnrefDevice(handle);
        _context?.DangerousRelease();
        return true;
    }
}

/// <summary>
/// Owns a <c>libusb_device_handle*</c>; releasing it calls <c>libusb_close</c>. Every submitted
/// <see cref="LibUsbTransfer"/> holds a reference on this handle until its callback has run, so the close happens
/// only once no transfer is pending (libusb forbids closing with transfers in flight).
/// </summary>
public sealed class LibUsbDeviceHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly LibUsbDeviceRefHandle? _device;

    /// <summary>Creates an empty handle (used by the marshaller).</summary>
    public LibUsbDeviceHandle()
        : base(ownsHandle: true)
    {
    }

    internal LibUsbDeviceHandle(LibUsbDeviceRefHandle device, IntPtr handle)
        : base(ownsHandle: true)
    {
        var added = false;
        device.DangerousAddRef(ref added);
        _device = device;
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibUsbNative.Close(handle);
        _device?.DangerousRelease();
        return true;
    }
}
