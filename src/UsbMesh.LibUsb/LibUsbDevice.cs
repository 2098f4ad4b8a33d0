namespace UsbMesh.LibUsb;

/// <summary>
/// A referenced libusb device (not yet opened). Its properties come from libusb's cache and do no I/O, so they are
/// safe to read from a hotplug callback.
/// </summary>
public sealed class LibUsbDevice : IDisposable
{
    internal LibUsbDevice(LibUsbDeviceRefHandle handle) => Handle = handle;

    /// <summary>The owned device reference.</summary>
    public LibUsbDeviceRefHandle Handle { get; }

    /// <summary>The bus number.</summary>
    public byte BusNumber => LibUsbNative.GetBusNumber(Handle);

    /// <summary>The address on the bus.</summary>
    public byte Address => LibUsbNative.GetDeviceAddress(Handle);

    /// <summary>The bus speed.</summary>
    public UsbSpeed Speed => LibUsbStatusMapping.ToUsbSpeed(LibUsbNative.GetDeviceSpeed(Handle));

    /// <summary>The port path from the root hub (USB 3 allows 7 levels).</summary>
    public unsafe IReadOnlyList<byte> PortNumbers
    {
        get
        {
            Span<byte> ports = stackalloc byte[7];
            int count;
            fixed (byte* p = ports)
            {
                count = LibUsbErrors.Check(LibUsbNative.GetPortNumbers(Handle, p, ports.Length), "libusb_get_port_numbers");
            }

            return ports[..count].ToArray();
        }
    }

    /// <summary>The Linux-style bus id, <c>bus-port.port…</c> (e.g. <c>1-2.4</c>).</summary>
    public string BusId => $"{BusNumber}-{string.Join('.', PortNumbers)}";

    /// <summary>
    /// The 18-byte device descriptor as libusb caches it. <c>struct libusb_device_descriptor</c> holds its words in
    /// host order, which on little-endian hosts are exactly the wire bytes.
    /// </summary>
    public unsafe byte[] GetRawDeviceDescriptor()
    {
        var raw = new byte[DeviceDescriptor.Size];
        fixed (byte* p = raw)
        {
            LibUsbErrors.Check(LibUsbNative.GetDeviceDescriptor(Handle, p), "libusb_get_device_descriptor");
        }

        if (!BitConverter.IsLittleEndian)
        {
            SwapWord(raw, 2); // bcdUSB
            SwapWord(raw, 8); // idVendor
            SwapWord(raw, 10); // idProduct
            SwapWord(raw, 12); // bcdDevice
        }

        return raw;
    }

    /// <summary>The parsed device descriptor.</summary>
    public DeviceDescriptor GetDeviceDescriptor() => DeviceDescriptor.Parse(GetRawDeviceDescriptor());

    /// <summary>Opens the device (<c>libusb_open</c>); synchronous, never from a hotplug callback.</summary>
    public LibUsbDeviceConnection Open()
    {
        LibUsbErrors.Check(LibUsbNative.Open(Handle, out var handle), "libusb_open");
        return new LibUsbDeviceConnection(this, new LibUsbDeviceHandle(Handle, handle));
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    private static void SwapWord(byte[] raw, int offset) => (raw[offset], raw[offset + 1]) = (raw[offset + 1], raw[offset]);
}
