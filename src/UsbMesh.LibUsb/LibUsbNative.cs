using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb;

/// <summary>
/// Direct bindings to libusb-1.0 (libusb.h, API 1.0.26 and later). The logical library name <c>usb-1.0</c> is
/// resolved by <see cref="ResolveLibUsb"/>: Debian ships only <c>libusb-1.0.so.0</c> (no dev symlink), other systems
/// <c>libusb-1.0.so</c>, <c>libusb-1.0.dylib</c> or <c>libusb-1.0.dll</c>.
/// </summary>
/// <remarks>
/// Functions that libusb.h defines <c>static inline</c> (<c>libusb_fill_*_transfer</c>, <c>libusb_get_descriptor</c>,
/// <c>libusb_set_iso_packet_lengths</c>, …) have no symbol and are written in C# by the callers
/// (<see cref="LibUsbTransfer"/>, <see cref="LibUsbDeviceConnection"/>).
/// </remarks>
internal static unsafe partial class LibUsbNative
{
    /// <summary>The logical library name every import uses.</summary>
    public const string LibraryName = "usb-1.0";

    /// <summary>File names tried for <see cref="LibraryName"/>, in order.</summary>
    internal static readonly string[] CandidateNames =
    [
        "libusb-1.0.so.0", // Debian, Ubuntu, Fedora: the runtime package ships only the soname.
        "libusb-1.0.so",
        "libusb-1.0.0.dylib",
        "libusb-1.0.dylib",
        "libusb-1.0.dll",
        "libusb-1.0",
    ];

    // An explicit static constructor (no beforefieldinit) runs before the first generated stub is called, so the
    // resolver is in place before the runtime ever looks for "usb-1.0".
    static LibUsbNative() => NativeLibrary.SetDllImportResolver(typeof(LibUsbNative).Assembly, ResolveLibUsb);

    /// <summary>Makes sure the resolver is registered (touching the class runs the static constructor).</summary>
    internal static void EnsureResolver() => RuntimeHelpers.RunClassConstructor(typeof(LibUsbNative).TypeHandle);

    private static IntPtr ResolveLibUsb(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero; // Default probing for anything else.
        }

        foreach (var name in CandidateNames)
        {
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero; // DllNotFoundException follows, naming "usb-1.0".
    }

    // ---- library and context -------------------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_init")]
    internal static partial int Init(out IntPtr context);

    [LibraryImport(LibraryName, EntryPoint = "libusb_exit")]
    internal static partial void Exit(IntPtr context);

    /// <summary>
    /// <c>int libusb_set_option(libusb_context *ctx, enum libusb_option option, ...)</c>, bound with one int
    /// argument (enough for LOG_LEVEL). Variadic: correct on SysV x86_64, Linux arm64 and Windows, not on Apple arm64
    /// (variadic arguments go on the stack there).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "libusb_set_option")]
    internal static partial int SetOption(IntPtr context, LibUsbOption option, int value);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_version")]
    internal static partial LibUsbVersionNative* GetVersion();

    [LibraryImport(LibraryName, EntryPoint = "libusb_has_capability")]
    internal static partial int HasCapability(LibUsbCapability capability);

    [LibraryImport(LibraryName, EntryPoint = "libusb_error_name")]
    internal static partial IntPtr ErrorName(int errorCode);

    // ---- devices ---------------------------------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_device_list")]
    internal static partial nint GetDeviceList(LibUsbContextHandle context, out IntPtr list);

    [LibraryImport(LibraryName, EntryPoint = "libusb_free_device_list")]
    internal static partial void FreeDeviceList(IntPtr list, int unrefDevices);

    [LibraryImport(LibraryName, EntryPoint = "libusb_ref_device")]
    internal static partial IntPtr RefDevice(IntPtr device);

    [LibraryImport(LibraryName, EntryPoint = "libusb_unref_device")]
    internal static partial void UnrefDevice(IntPtr device);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_bus_number")]
    internal static partial byte GetBusNumber(LibUsbDeviceRefHandle device);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_port_numbers")]
    internal static partial int GetPortNumbers(LibUsbDeviceRefHandle device, byte* portNumbers, int length);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_device_address")]
    internal static partial byte GetDeviceAddress(LibUsbDeviceRefHandle device);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_device_speed")]
    internal static partial int GetDeviceSpeed(LibUsbDeviceRefHandle device);

    /// <summary>Fills a <c>struct libusb_device_descriptor</c> (18 bytes, host-endian words; cached, no I/O).</summary>
    [LibraryImport(LibraryName, EntryPoint = "libusb_get_device_descriptor")]
    internal static partial int GetDeviceDescriptor(LibUsbDeviceRefHandle device, byte* descriptor);

    [LibraryImport(LibraryName, EntryPoint = "libusb_open")]
    internal static partial int Open(LibUsbDeviceRefHandle device, out IntPtr handle);

    [LibraryImport(LibraryName, EntryPoint = "libusb_close")]
    internal static partial void Close(IntPtr handle);

    // ---- device handle operations (synchronous: never from a hotplug or transfer callback) -----------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_set_auto_detach_kernel_driver")]
    internal static partial int SetAutoDetachKernelDriver(LibUsbDeviceHandle handle, int enable);

    [LibraryImport(LibraryName, EntryPoint = "libusb_kernel_driver_active")]
    internal static partial int KernelDriverActive(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(LibraryName, EntryPoint = "libusb_detach_kernel_driver")]
    internal static partial int DetachKernelDriver(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(LibraryName, EntryPoint = "libusb_attach_kernel_driver")]
    internal static partial int AttachKernelDriver(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(LibraryName, EntryPoint = "libusb_claim_interface")]
    internal static partial int ClaimInterface(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(LibraryName, EntryPoint = "libusb_release_interface")]
    internal static partial int ReleaseInterface(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(LibraryName, EntryPoint = "libusb_set_configuration")]
    internal static partial int SetConfiguration(LibUsbDeviceHandle handle, int configuration);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_configuration")]
    internal static partial int GetConfiguration(LibUsbDeviceHandle handle, out int configuration);

    [LibraryImport(LibraryName, EntryPoint = "libusb_set_interface_alt_setting")]
    internal static partial int SetInterfaceAltSetting(LibUsbDeviceHandle handle, int interfaceNumber, int alternateSetting);

    [LibraryImport(LibraryName, EntryPoint = "libusb_clear_halt")]
    internal static partial int ClearHalt(LibUsbDeviceHandle handle, byte endpoint);

    [LibraryImport(LibraryName, EntryPoint = "libusb_reset_device")]
    internal static partial int ResetDevice(LibUsbDeviceHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "libusb_get_string_descriptor_ascii")]
    internal static partial int GetStringDescriptorAscii(LibUsbDeviceHandle handle, byte index, byte* data, int length);

    /// <summary>Synchronous control transfer; used for raw GET_DESCRIPTOR reads at open time only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "libusb_control_transfer")]
    internal static partial int ControlTransfer(
        LibUsbDeviceHandle handle, byte requestType, byte request, ushort value, ushort index, byte* data, ushort length, uint timeoutMs);

    // ---- asynchronous transfers ----------------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_alloc_transfer")]
    internal static partial LibUsbTransferNative* AllocTransfer(int isoPackets);

    [LibraryImport(LibraryName, EntryPoint = "libusb_free_transfer")]
    internal static partial void FreeTransfer(LibUsbTransferNative* transfer);

    [LibraryImport(LibraryName, EntryPoint = "libusb_submit_transfer")]
    internal static partial int SubmitTransfer(LibUsbTransferNative* transfer);

    [LibraryImport(LibraryName, EntryPoint = "libusb_cancel_transfer")]
    internal static partial int CancelTransfer(LibUsbTransferNative* transfer);

    [LibraryImport(LibraryName, EntryPoint = "libusb_dev_mem_alloc")]
    internal static partial byte* DevMemAlloc(LibUsbDeviceHandle handle, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "libusb_dev_mem_free")]
    internal static partial int DevMemFree(LibUsbDeviceHandle handle, byte* buffer, nuint length);

    // ---- events ----------------------------------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_handle_events_timeout_completed")]
    internal static partial int HandleEventsTimeoutCompleted(LibUsbContextHandle context, TimeValNative* timeout, int* completed);

    [LibraryImport(LibraryName, EntryPoint = "libusb_interrupt_event_handler")]
    internal static partial void InterruptEventHandler(LibUsbContextHandle context);

    // ---- hotplug ---------------------------------------------------------------------------------------------------

    [LibraryImport(LibraryName, EntryPoint = "libusb_hotplug_register_callback")]
    internal static partial int HotplugRegisterCallback(
        LibUsbContextHandle context,
        int events,
        int flags,
        int vendorId,
        int productId,
        int deviceClass,
        delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, IntPtr, int> callback,
        IntPtr userData,
        out int callbackHandle);

    [LibraryImport(LibraryName, EntryPoint = "libusb_hotplug_deregister_callback")]
    internal static partial void HotplugDeregisterCallback(LibUsbContextHandle context, int callbackHandle);
}

/// <summary><c>struct libusb_version</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LibUsbVersionNative
{
    public ushort Major;
    public ushort Minor;
    public ushort Micro;
    public ushort Nano;
    public IntPtr ReleaseCandidate;
    public IntPtr Describe;
}

/// <summary>
/// <c>struct timeval</c>: two C <c>long</c>s on Linux and Windows. On macOS <c>tv_usec</c> is a 32-bit field padded
/// to 8 bytes; writing it as a little-endian 64-bit value stores the same number.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeValNative
{
    public CLong Seconds;
    public CLong Microseconds;
}

/// <summary>
/// <c>struct libusb_transfer</c> without its trailing flexible array <c>iso_packet_desc[]</c>, which starts at
/// <see cref="IsoPacketDescOffset"/>. On 64-bit targets: dev_handle 0, flags 8, endpoint 9, type 10, timeout 12,
/// status 16, length 20, actual_length 24, callback 32, user_data 40, buffer 48, num_iso_packets 56, iso 60.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LibUsbTransferNative
{
    public IntPtr DevHandle;
    public byte Flags;
    public byte Endpoint;
    public byte Type;
    public uint Timeout;
    public int Status;
    public int Length;
    public int ActualLength;
    public IntPtr Callback;
    public IntPtr UserData;
    public byte* Buffer;
    public int NumIsoPackets;

    /// <summary>Offset of <c>iso_packet_desc[0]</c>: right after <c>num_iso_packets</c> (the element aligns to 4).</summary>
    public static readonly int IsoPacketDescOffset = (int)Marshal.OffsetOf<LibUsbTransferNative>(nameof(NumIsoPackets)) + sizeof(int);

    /// <summary>The packet descriptors that follow the fixed part.</summary>
    /// <param name="transfer">A transfer allocated with at least <see cref="NumIsoPackets"/> packets.</param>
    public static LibUsbIsoPacketDescriptorNative* IsoPackets(LibUsbTransferNative* transfer) =>
        (LibUsbIsoPacketDescriptorNative*)((byte*)transfer + IsoPacketDescOffset);
}

/// <summary><c>struct libusb_iso_packet_descriptor</c> (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LibUsbIsoPacketDescriptorNative
{
    public uint Length;
    public uint ActualLength;
    public int Status;
}
