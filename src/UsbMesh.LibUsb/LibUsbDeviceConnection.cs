namespace UsbMesh.LibUsb;

/// <summary>
/// An opened device (<c>libusb_device_handle</c>). All methods are synchronous libusb calls: call them from the
/// owner's thread, never from a transfer or hotplug callback. Disposing releases the claimed interfaces (kernel
/// drivers detached by auto-detach come back on release; ones detached by <see cref="DetachKernelDriver"/> are
/// re-attached) and closes the handle once no transfer is in flight.
/// </summary>
public sealed class LibUsbDeviceConnection : IDisposable
{
    /// <summary>Timeout of the synchronous GET_DESCRIPTOR reads.</summary>
    public static readonly TimeSpan DescriptorTimeout = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly HashSet<int> _claimed = [];
    private readonly HashSet<int> _detached = [];
    private bool _disposed;

    internal LibUsbDeviceConnection(LibUsbDevice device, LibUsbDeviceHandle handle)
    {
        Device = device;
        Handle = handle;
    }

    /// <summary>The device this connection was opened from (owned by the caller of <see cref="LibUsbDevice.Open"/>).</summary>
    public LibUsbDevice Device { get; }

    /// <summary>The owned native handle.</summary>
    public LibUsbDeviceHandle Handle { get; }

    /// <summary>
    /// Turns automatic kernel driver detach on or off: claiming an interface detaches its driver, releasing it
    /// re-attaches it. Returns false where the platform does not support it (LIBUSB_ERROR_NOT_SUPPORTED).
    /// </summary>
    /// <param name="enable">On or off.</param>
    public bool SetAutoDetachKernelDriver(bool enable)
    {
        var result = LibUsbNative.SetAutoDetachKernelDriver(Handle, enable ? 1 : 0);
        if (result == (int)LibUsbError.NotSupported)
        {
            return false;
        }

        LibUsbErrors.Check(result, "libusb_set_auto_detach_kernel_driver");
        return true;
    }

    /// <summary>Whether a kernel driver is bound to the interface.</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    public bool IsKernelDriverActive(int interfaceNumber) =>
        LibUsbErrors.Check(LibUsbNative.KernelDriverActive(Handle, interfaceNumber), "libusb_kernel_driver_active") == 1;

    /// <summary>Detaches the kernel driver from the interface; it is re-attached on <see cref="AttachKernelDriver"/> or dispose.</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    public void DetachKernelDriver(int interfaceNumber)
    {
        LibUsbErrors.Check(LibUsbNative.DetachKernelDriver(Handle, interfaceNumber), "libusb_detach_kernel_driver");
        lock (_gate)
        {
            _detached.Add(interfaceNumber);
        }
    }

    /// <summary>Re-attaches the kernel driver to the interface.</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    public void AttachKernelDriver(int interfaceNumber)
    {
        LibUsbErrors.Check(LibUsbNative.AttachKernelDriver(Handle, interfaceNumber), "libusb_attach_kernel_driver");
        lock (_gate)
        {
            _detached.Remove(interfaceNumber);
        }
    }

    /// <summary>Claims the interface (detaching its kernel driver when auto-detach is on).</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    public void ClaimInterface(int interfaceNumber)
    {
        LibUsbErrors.Check(LibUsbNative.ClaimInterface(Handle, interfaceNumber), "libusb_claim_interface");
        lock (_gate)
        {
            _claimed.Add(interfaceNumber);
        }
    }

    /// <summary>Releases the interface (re-attaching its kernel driver when auto-detach is on).</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    public void ReleaseInterface(int interfaceNumber)
    {
        lock (_gate)
        {
            _claimed.Remove(interfaceNumber);
        }

        LibUsbErrors.Check(LibUsbNative.ReleaseInterface(Handle, interfaceNumber), "libusb_release_interface");
    }

    /// <summary>Selects a configuration (-1 unconfigures).</summary>
    /// <param name="configurationValue">bConfigurationValue.</param>
    public void SetConfiguration(int configurationValue) =>
        LibUsbErrors.Check(LibUsbNative.SetConfiguration(Handle, configurationValue), "libusb_set_configuration");

    /// <summary>The active bConfigurationValue (0 while unconfigured).</summary>
    public int GetConfiguration()
    {
        LibUsbErrors.Check(LibUsbNative.GetConfiguration(Handle, out var value), "libusb_get_configuration");
        return value;
    }

    /// <summary>Selects an alternate setting of a claimed interface.</summary>
    /// <param name="interfaceNumber">bInterfaceNumber.</param>
    /// <param name="alternateSetting">bAlternateSetting.</param>
    public void SetInterfaceAltSetting(int interfaceNumber, int alternateSetting) =>
        LibUsbErrors.Check(LibUsbNative.SetInterfaceAltSetting(Handle, interfaceNumber, alternateSetting), "libusb_set_interface_alt_setting");

    /// <summary>Clears a halt (stall) on an endpoint.</summary>
    /// <param name="endpoint">bEndpointAddress.</param>
    public void ClearHalt(byte endpoint) => LibUsbErrors.Check(LibUsbNative.ClearHalt(Handle, endpoint), "libusb_clear_halt");

    /// <summary>
    /// Resets the device. LIBUSB_ERROR_NOT_FOUND means the device re-enumerated and this handle is dead: the caller
    /// must reopen it.
    /// </summary>
    public void Reset() => LibUsbErrors.Check(LibUsbNative.ResetDevice(Handle), "libusb_reset_device");

    /// <summary>A string descriptor in the first language, as ASCII (<c>libusb_get_string_descriptor_ascii</c>); null for index 0.</summary>
    /// <param name="index">The string index (iManufacturer, iProduct, …).</param>
    public unsafe string? GetStringDescriptorAscii(byte index)
    {
        if (index == 0)
        {
            return null;
        }

        var buffer = stackalloc byte[256];
        var length = LibUsbErrors.Check(LibUsbNative.GetStringDescriptorAscii(Handle, index, buffer, 256), "libusb_get_string_descriptor_ascii");
        return System.Text.Encoding.ASCII.GetString(buffer, length);
    }

    /// <summary>
    /// Reads a descriptor over the wire with a standard GET_DESCRIPTOR control request (what the static inline
    /// <c>libusb_get_descriptor</c> does).
    /// </summary>
    /// <param name="descriptorType">bDescriptorType.</param>
    /// <param name="index">Descriptor index.</param>
    /// <param name="length">Bytes to ask for.</param>
    /// <param name="languageId">wIndex (language id for strings, otherwise 0).</param>
    public unsafe byte[] GetDescriptor(byte descriptorType, byte index, ushort length, ushort languageId = 0)
    {
        var buffer = new byte[length];
        int read;
        fixed (byte* p = buffer)
        {
            read = LibUsbErrors.Check(
                LibUsbNative.ControlTransfer(
                    Handle,
                    requestType: 0x80, // IN | standard | device
                    request: 0x06, // GET_DESCRIPTOR
                    value: (ushort)((descriptorType << 8) | index),
                    index: languageId,
                    data: p,
                    length: length,
                    timeoutMs: (uint)DescriptorTimeout.TotalMilliseconds),
                "GET_DESCRIPTOR");
        }

        return buffer[..read];
    }

    /// <summary>The full configuration descriptor (header, interfaces, endpoints, class-specific) as raw bytes.</summary>
    /// <param name="index">Configuration index (0-based, not bConfigurationValue).</param>
    public byte[] GetRawConfigurationDescriptor(byte index)
    {
        var header = GetDescriptor(DescriptorTypes.Configuration, index, ConfigurationDescriptor.Size);
        if (header.Length < 4)
        {
            throw new LibUsbException(LibUsbError.Io, "GET_DESCRIPTOR(CONFIGURATION) returned a short header");
        }

        var totalLength = (ushort)(header[2] | (header[3] << 8));
        return GetDescriptor(DescriptorTypes.Configuration, index, totalLength);
    }

    /// <summary>The parsed configuration descriptor.</summary>
    /// <param name="index">Configuration index (0-based).</param>
    public ConfigurationDescriptor GetConfigurationDescriptor(byte index) => ConfigurationDescriptor.Parse(GetRawConfigurationDescriptor(index));

    /// <summary>
    /// Releases claimed interfaces, re-attaches manually detached kernel drivers (both best effort: the device may be
    /// gone) and closes the handle once every in-flight transfer has completed.
    /// </summary>
    public void Dispose()
    {
        int[] claimed;
        int[] detached;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            claimed = [.. _claimed];
            detached = [.. _detached];
            _claimed.Clear();
            _detached.Clear();
        }

        if (!Handle.IsClosed)
        {
            foreach (var interfaceNumber in claimed)
            {
                _ = LibUsbNative.ReleaseInterface(Handle, interfaceNumber);
            }

            foreach (var interfaceNumber in detached)
            {
                _ = LibUsbNative.AttachKernelDriver(Handle, interfaceNumber);
            }
        }

        Handle.Dispose();
    }
}
