using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb;

/// <summary>
/// A registered libusb hotplug callback; disposing deregisters it. The native <c>user_data</c> is a plain id looked
/// up in a table, not a GC handle, so a callback racing with deregistration finds nothing and asks libusb to drop it
/// instead of touching freed memory.
/// </summary>
public sealed class LibUsbHotplugRegistration : IDisposable
{
    private const int MatchAny = -1; // LIBUSB_HOTPLUG_MATCH_ANY
    private const int EnumerateFlag = 1; // LIBUSB_HOTPLUG_ENUMERATE

    private static readonly ConcurrentDictionary<long, LibUsbHotplugRegistration> Registrations = new();
    private static long _nextId;

    private readonly LibUsbContext _context;
    private readonly Action<LibUsbDevice, LibUsbHotplugEvent> _onEvent;
    private readonly long _id;
    private int _callbackHandle;
    private int _disposed;

    private LibUsbHotplugRegistration(LibUsbContext context, Action<LibUsbDevice, LibUsbHotplugEvent> onEvent, long id)
    {
        _context = context;
        _onEvent = onEvent;
        _id = id;
    }

    internal static unsafe LibUsbHotplugRegistration Register(
        LibUsbContext context, Action<LibUsbDevice, LibUsbHotplugEvent> onEvent, bool enumerate, ushort? vendorId, ushort? productId, byte? deviceClass)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var registration = new LibUsbHotplugRegistration(context, onEvent, Interlocked.Increment(ref _nextId));
        Registrations[registration._id] = registration;
        try
        {
            LibUsbErrors.Check(
                LibUsbNative.HotplugRegisterCallback(
                    context.Handle,
                    (int)(LibUsbHotplugEvent.Arrived | LibUsbHotplugEvent.Left),
                    enumerate ? EnumerateFlag : 0,
                    vendorId ?? MatchAny,
                    productId ?? MatchAny,
                    deviceClass ?? MatchAny,
                    &OnHotplug,
                    (IntPtr)registration._id,
                    out registration._callbackHandle),
                "libusb_hotplug_register_callback");
        }
        catch
        {
            Registrations.TryRemove(registration._id, out _);
            throw;
        }

        return registration;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Registrations.TryRemove(_id, out _);
        if (!_context.Handle.IsClosed)
        {
            LibUsbNative.HotplugDeregisterCallback(_context.Handle, _callbackHandle);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnHotplug(IntPtr context, IntPtr device, int hotplugEvent, IntPtr userData)
    {
        try
        {
            if (!Registrations.TryGetValue(userData, out var registration))
            {
                return 1; // Deregistered meanwhile: let libusb drop the callback.
            }

            // libusb_ref_device is not I/O; the managed side gets its own reference to keep or dispose.
            var owned = new LibUsbDevice(new LibUsbDeviceRefHandle(registration._context.Handle, device));
            registration._onEvent(owned, (LibUsbHotplugEvent)hotplugEvent);
        }
        catch
        {
            // Nothing may unwind into libusb.
        }

        return 0;
    }
}
