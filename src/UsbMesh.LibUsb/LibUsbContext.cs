using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb;

/// <summary>The libusb version the loaded library reports.</summary>
/// <param name="Major">Major.</param>
/// <param name="Minor">Minor.</param>
/// <param name="Micro">Micro.</param>
/// <param name="Nano">Nano (build).</param>
/// <param name="ReleaseCandidate">Release-candidate suffix, empty for releases.</param>
public sealed record LibUsbVersion(int Major, int Minor, int Micro, int Nano, string ReleaseCandidate)
{
    /// <summary>As a <see cref="System.Version"/> (major.minor.micro.nano), for comparisons.</summary>
    public Version AsVersion => new(Major, Minor, Micro, Nano);

    /// <inheritdoc/>
    public override string ToString() => $"{Major}.{Minor}.{Micro}.{Nano}{ReleaseCandidate}";
}

/// <summary>
/// A libusb context. Synchronous libusb calls go through the objects it hands out; events (transfer completions,
/// hotplug) are delivered on whichever thread calls <see cref="HandleEvents"/> — the owner runs that in one
/// dedicated loop, after registering hotplug callbacks.
/// </summary>
public sealed class LibUsbContext : IDisposable
{
    private LibUsbContext(LibUsbContextHandle handle) => Handle = handle;

    /// <summary>The owned native context.</summary>
    public LibUsbContextHandle Handle { get; }

    /// <summary>The version of the loaded libusb library (loads it through the resolver).</summary>
    public static unsafe LibUsbVersion Version
    {
        get
        {
            var version = LibUsbNative.GetVersion();
            return new LibUsbVersion(
                version->Major, version->Minor, version->Micro, version->Nano, Marshal.PtrToStringAnsi(version->ReleaseCandidate) ?? "");
        }
    }

    /// <summary>Initialises a context (<c>libusb_init</c>; 1.0.26 has no <c>libusb_init_context</c>).</summary>
    /// <param name="logLevel">libusb's own stderr logging level.</param>
    public static LibUsbContext Create(LibUsbLogLevel logLevel = LibUsbLogLevel.None)
    {
        LibUsbErrors.Check(LibUsbNative.Init(out var context), "libusb_init");
        var handle = new LibUsbContextHandle(context);
        try
        {
            LibUsbErrors.Check(LibUsbNative.SetOption(context, LibUsbOption.LogLevel, (int)logLevel), "libusb_set_option");
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new LibUsbContext(handle);
    }

    /// <summary>Whether the library has <paramref name="capability"/> (<c>libusb_has_capability</c>).</summary>
    /// <param name="capability">The capability.</param>
    public static bool HasCapability(LibUsbCapability capability) => LibUsbNative.HasCapability(capability) != 0;

    /// <summary>
    /// The devices on the system now. Each is an owned reference the caller disposes; the native list is freed
    /// before this returns.
    /// </summary>
    public unsafe IReadOnlyList<LibUsbDevice> GetDevices()
    {
        var count = LibUsbNative.GetDeviceList(Handle, out var list);
        LibUsbErrors.Check((int)Math.Min(count, 0), "libusb_get_device_list");
        var devices = new List<LibUsbDevice>((int)count);
        try
        {
            var entries = (IntPtr*)list;
            for (var i = 0; i < count; i++)
            {
                devices.Add(new LibUsbDevice(new LibUsbDeviceRefHandle(Handle, entries[i])));
            }
        }
        catch
        {
            foreach (var device in devices)
            {
                device.Dispose();
            }

            throw;
        }
        finally
        {
            LibUsbNative.FreeDeviceList(list, unrefDevices: 1); // Our own references keep the devices alive.
        }

        return devices;
    }

    /// <summary>
    /// Handles pending events for up to <paramref name="timeout"/> (<c>libusb_handle_events_timeout_completed</c>):
    /// transfer and hotplug callbacks run on this thread, inside this call.
    /// </summary>
    /// <param name="timeout">The longest wait for an event.</param>
    public unsafe void HandleEvents(TimeSpan timeout)
    {
        var micros = (long)Math.Max(0, timeout.TotalMicroseconds);
        var tv = new TimeValNative
        {
            Seconds = new CLong((nint)(micros / 1_000_000)),
            Microseconds = new CLong((nint)(micros % 1_000_000)),
        };
        var result = LibUsbNative.HandleEventsTimeoutCompleted(Handle, &tv, null);
        if (result != (int)LibUsbError.Interrupted)
        {
            LibUsbErrors.Check(result, "libusb_handle_events_timeout_completed");
        }
    }

    /// <summary>Wakes a thread blocked in <see cref="HandleEvents"/> (<c>libusb_interrupt_event_handler</c>).</summary>
    public void InterruptEventHandler() => LibUsbNative.InterruptEventHandler(Handle);

    /// <summary>
    /// Registers a hotplug callback. Register before the event loop starts. The callback runs on the event thread and
    /// must not call synchronous libusb functions (open, claim, descriptors over the wire): post a message instead.
    /// </summary>
    /// <param name="onEvent">Called with an owned device reference (dispose it) and the event; exceptions are swallowed.</param>
    /// <param name="enumerate">Also report devices already present (LIBUSB_HOTPLUG_ENUMERATE).</param>
    /// <param name="vendorId">Vendor filter, or null for any.</param>
    /// <param name="productId">Product filter, or null for any.</param>
    /// <param name="deviceClass">Device class filter, or null for any.</param>
    public LibUsbHotplugRegistration RegisterHotplug(
        Action<LibUsbDevice, LibUsbHotplugEvent> onEvent, bool enumerate = false, ushort? vendorId = null, ushort? productId = null, byte? deviceClass = null) =>
        LibUsbHotplugRegistration.Register(this, onEvent, enumerate, vendorId, productId, deviceClass);

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();
}
