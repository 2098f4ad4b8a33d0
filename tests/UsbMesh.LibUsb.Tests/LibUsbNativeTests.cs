using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb.Tests;

public class LibUsbNativeTests
{
    [Fact]
    public void The_library_loads_through_the_resolver()
    {
        LibUsbNative.EnsureResolver();
        var loaded = LibUsbNative.CandidateNames.Any(name => NativeLibrary.TryLoad(name, out _));
        Assert.True(loaded, "no libusb-1.0 candidate name loads on this host");
        Assert.NotNull(LibUsbContext.Version);
    }

    [Fact]
    public void The_version_is_at_least_the_one_Debian_12_ships()
    {
        var version = LibUsbContext.Version;
        Assert.True(version.AsVersion >= new Version(1, 0, 26, 0), $"libusb {version}");
    }

    [Fact]
    public void A_context_initialises_and_exits()
    {
        var context = LibUsbContext.Create(LibUsbLogLevel.None);
        Assert.False(context.Handle.IsInvalid);
        context.Dispose();
        Assert.True(context.Handle.IsClosed);
        context.Dispose(); // Idempotent.
    }

    [Fact]
    public void The_device_list_is_readable_and_freed()
    {
        using var context = LibUsbContext.Create();
        for (var round = 0; round < 20; round++)
        {
            var devices = context.GetDevices();
            Assert.True(devices.Count >= 0);
            foreach (var device in devices)
            {
                Assert.Equal(DeviceDescriptor.Size, device.GetRawDeviceDescriptor().Length);
                _ = device.GetDeviceDescriptor();
                _ = device.BusId;
                device.Dispose();
            }
        }
    }

    [Fact]
    public void A_device_reference_keeps_the_context_handle_alive_until_released()
    {
        var context = LibUsbContext.Create();
        var devices = context.GetDevices();
        context.Dispose();
        foreach (var device in devices)
        {
            Assert.Equal(DescriptorTypes.Device, device.GetRawDeviceDescriptor()[1]); // libusb_exit has not run yet.
            device.Dispose();
        }

        Assert.True(context.Handle.IsClosed);
    }

    [Fact]
    public void Capabilities_are_answered()
    {
        Assert.True(LibUsbContext.HasCapability(LibUsbCapability.HasCapability));
        _ = LibUsbContext.HasCapability(LibUsbCapability.HasHotplug); // True on Linux with udev or netlink; either answer is fine.
    }

    [Fact]
    public void Hotplug_registers_and_deregisters_when_supported()
    {
        using var context = LibUsbContext.Create();
        if (!LibUsbContext.HasCapability(LibUsbCapability.HasHotplug))
        {
            Assert.Throws<LibUsbException>(() => context.RegisterHotplug((d, e) => d.Dispose()));
            return;
        }

        var events = 0;
        using var registration = context.RegisterHotplug(
            (device, _) =>
            {
                Interlocked.Increment(ref events);
                device.Dispose();
            },
            enumerate: true);
        context.HandleEvents(TimeSpan.FromMilliseconds(10));
        Assert.Equal(context.GetDevices().Select(d => { d.Dispose(); return 1; }).Sum(), Volatile.Read(ref events));
    }

    [Fact]
    public void Handle_events_returns_after_its_timeout_without_events()
    {
        using var context = LibUsbContext.Create();
        context.HandleEvents(TimeSpan.FromMilliseconds(5));
        context.InterruptEventHandler();
        context.HandleEvents(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(LibUsbError.Success, "LIBUSB_SUCCESS")]
    [InlineData(LibUsbError.Io, "LIBUSB_ERROR_IO")]
    [InlineData(LibUsbError.InvalidParam, "LIBUSB_ERROR_INVALID_PARAM")]
    [InlineData(LibUsbError.Access, "LIBUSB_ERROR_ACCESS")]
    [InlineData(LibUsbError.NoDevice, "LIBUSB_ERROR_NO_DEVICE")]
    [InlineData(LibUsbError.NotFound, "LIBUSB_ERROR_NOT_FOUND")]
    [InlineData(LibUsbError.Busy, "LIBUSB_ERROR_BUSY")]
    [InlineData(LibUsbError.Timeout, "LIBUSB_ERROR_TIMEOUT")]
    [InlineData(LibUsbError.Overflow, "LIBUSB_ERROR_OVERFLOW")]
    [InlineData(LibUsbError.Pipe, "LIBUSB_ERROR_PIPE")]
    [InlineData(LibUsbError.Interrupted, "LIBUSB_ERROR_INTERRUPTED")]
    [InlineData(LibUsbError.NoMem, "LIBUSB_ERROR_NO_MEM")]
    [InlineData(LibUsbError.NotSupported, "LIBUSB_ERROR_NOT_SUPPORTED")]
    [InlineData(LibUsbError.Other, "LIBUSB_ERROR_OTHER")]
    public void Error_codes_carry_libusbs_names(LibUsbError error, string name)
    {
        // libusb names 0 "LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED"; the others exactly.
        Assert.StartsWith(name, LibUsbErrors.Name(error), StringComparison.Ordinal);
        var exception = new LibUsbException(error, "libusb_test");
        Assert.StartsWith(name, exception.ErrorName, StringComparison.Ordinal);
        Assert.Contains(name, exception.Message);
    }

    [Fact]
    public void Transfer_struct_matches_the_64_bit_C_layout()
    {
        Assert.Equal(8, IntPtr.Size); // The layout below is the x86_64 / arm64 one.
        Assert.Equal(0, Offset(nameof(LibUsbTransferNative.DevHandle)));
        Assert.Equal(8, Offset(nameof(LibUsbTransferNative.Flags)));
        Assert.Equal(9, Offset(nameof(LibUsbTransferNative.Endpoint)));
        Assert.Equal(10, Offset(nameof(LibUsbTransferNative.Type)));
        Assert.Equal(12, Offset(nameof(LibUsbTransferNative.Timeout)));
        Assert.Equal(16, Offset(nameof(LibUsbTransferNative.Status)));
        Assert.Equal(20, Offset(nameof(LibUsbTransferNative.Length)));
        Assert.Equal(24, Offset(nameof(LibUsbTransferNative.ActualLength)));
        Assert.Equal(32, Offset(nameof(LibUsbTransferNative.Callback)));
        Assert.Equal(40, Offset(nameof(LibUsbTransferNative.UserData)));
        Assert.Equal(48, Offset(nameof(LibUsbTransferNative.Buffer)));
        Assert.Equal(56, Offset(nameof(LibUsbTransferNative.NumIsoPackets)));
        Assert.Equal(60, LibUsbTransferNative.IsoPacketDescOffset);
        Assert.Equal(64, Marshal.SizeOf<LibUsbTransferNative>());
        unsafe
        {
            Assert.Equal(64, sizeof(LibUsbTransferNative));
            Assert.Equal(12, sizeof(LibUsbIsoPacketDescriptorNative));
            Assert.Equal(16, sizeof(TimeValNative));
        }

        Assert.Equal(0, (int)Marshal.OffsetOf<LibUsbIsoPacketDescriptorNative>(nameof(LibUsbIsoPacketDescriptorNative.Length)));
        Assert.Equal(4, (int)Marshal.OffsetOf<LibUsbIsoPacketDescriptorNative>(nameof(LibUsbIsoPacketDescriptorNative.ActualLength)));
        Assert.Equal(8, (int)Marshal.OffsetOf<LibUsbIsoPacketDescriptorNative>(nameof(LibUsbIsoPacketDescriptorNative.Status)));

        static int Offset(string field) => (int)Marshal.OffsetOf<LibUsbTransferNative>(field);
    }
}
