using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb.Tests;

// The live-transfer counter is process-wide: these tests must not run in parallel with each other.
[Collection(nameof(LibUsbTransferTests))]
public class LibUsbTransferTests
{
    [Fact]
    public void Transfers_with_buffers_and_iso_packets_allocate_and_free_without_leaking()
    {
        var before = LibUsbTransfer.LiveNativeTransfers;
        for (var i = 0; i < 5_000; i++)
        {
            using var transfer = new LibUsbTransfer(bufferCapacity: 1024 + (i % 7), isoPacketCapacity: i % 33);
            transfer.Buffer[^1] = 0xAA;
            Assert.Equal(before + 1, LibUsbTransfer.LiveNativeTransfers);
        }

        Assert.Equal(before, LibUsbTransfer.LiveNativeTransfers);
    }

    [Fact]
    public void Disposing_twice_frees_once()
    {
        var before = LibUsbTransfer.LiveNativeTransfers;
        var transfer = new LibUsbTransfer(64);
        transfer.Dispose();
        transfer.Dispose();
        Assert.Equal(before, LibUsbTransfer.LiveNativeTransfers);
        Assert.Throws<ObjectDisposedException>(transfer.Submit);
    }

    [Fact]
    public void Submitting_without_a_device_handle_throws_instead_of_crashing()
    {
        using var transfer = new LibUsbTransfer(64);
        transfer.FillBulk(handle: null, endpoint: 0x81, length: 64, TimeSpan.FromSeconds(1));
        var error = Assert.Throws<LibUsbException>(transfer.Submit);
        Assert.Equal(LibUsbError.InvalidParam, error.Error);
        Assert.False(transfer.IsInFlight);
        Assert.False(transfer.Cancel());
    }

    [Fact]
    public void Submitting_with_a_closed_device_handle_throws()
    {
        using var transfer = new LibUsbTransfer(64);
        var handle = new LibUsbDeviceHandle();
        handle.Dispose();
        transfer.FillInterrupt(handle, endpoint: 0x81, length: 8, TimeSpan.Zero);
        Assert.Throws<LibUsbException>(transfer.Submit);
    }

    [Fact]
    public void A_transfer_in_a_managed_array_works_in_the_array_and_frees_only_its_own_memory()
    {
        var before = LibUsbTransfer.LiveNativeTransfers;
        var array = new byte[4096];
        using (var transfer = new LibUsbTransfer(array))
        {
            transfer.FillBulk(null, 0x81, 4096, TimeSpan.Zero);
            transfer.Buffer[10] = 0xAB;
            Assert.Equal(0xAB, array[10]);
            Assert.Equal(4096, transfer.BufferCapacity);
            Assert.Throws<ArgumentOutOfRangeException>(() => transfer.FillBulk(null, 0x81, 4097, TimeSpan.Zero));
        }

        Assert.Equal(before, LibUsbTransfer.LiveNativeTransfers);
        array[10] = 0xCD; // The array is the caller's again, unpinned and intact.
    }

    [Fact]
    public unsafe void A_transfer_in_a_borrowed_buffer_leaves_the_buffer_to_its_owner()
    {
        var before = LibUsbTransfer.LiveNativeTransfers;
        var memory = (byte*)NativeMemory.AllocZeroed(16384);
        try
        {
            for (var i = 0; i < 100; i++)
            {
                using var transfer = new LibUsbTransfer(new LibUsbDeviceBuffer((IntPtr)memory, 16384));
                transfer.FillBulk(null, 0x02, 512, TimeSpan.Zero);
                transfer.Buffer[0] = (byte)i;
            }

            Assert.Equal(before, LibUsbTransfer.LiveNativeTransfers);
            Assert.Equal(99, memory[0]); // Still mapped and writable: the transfer never freed it.
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    [Fact]
    public void Fill_control_writes_the_setup_packet_little_endian()
    {
        using var transfer = new LibUsbTransfer(LibUsbTransfer.ControlSetupSize + 18);
        transfer.FillControl(null, 0x80, 0x06, 0x0100, 0x0409, 18, TimeSpan.FromSeconds(1));
        Assert.Equal(new byte[] { 0x80, 0x06, 0x00, 0x01, 0x09, 0x04, 0x12, 0x00 }, transfer.Buffer[..8].ToArray());
        Assert.Equal(26, transfer.Length);
        Assert.Equal(LibUsbTransferType.Control, transfer.Type);
        Assert.Equal(18, transfer.ControlData.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => transfer.FillControl(null, 0x80, 0x06, 0x0200, 0, 64, TimeSpan.Zero));
    }

    [Fact]
    public void Fill_isochronous_sets_packet_descriptors()
    {
        using var transfer = new LibUsbTransfer(bufferCapacity: 3 * 192, isoPacketCapacity: 4);
        transfer.FillIsochronous(null, 0x82, [192, 100, 192], TimeSpan.Zero);
        Assert.Equal(LibUsbTransferType.Isochronous, transfer.Type);
        Assert.Equal(3, transfer.IsoPacketCount);
        Assert.Equal(484, transfer.Length);
        Assert.Equal(new LibUsbIsoPacketResult(100, 0, LibUsbTransferStatus.Completed), transfer.GetIsoPacket(1));
        Assert.Equal(292, transfer.GetIsoPacketOffset(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => transfer.GetIsoPacket(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => transfer.FillIsochronous(null, 0x82, [1, 1, 1, 1, 1], TimeSpan.Zero));
    }

    [Theory]
    [InlineData(LibUsbTransferStatus.Completed, UrbStatus.Completed, 0)]
    [InlineData(LibUsbTransferStatus.Error, UrbStatus.Other, -71)]
    [InlineData(LibUsbTransferStatus.TimedOut, UrbStatus.Timeout, -110)]
    [InlineData(LibUsbTransferStatus.Cancelled, UrbStatus.Unlinked, -104)]
    [InlineData(LibUsbTransferStatus.Stall, UrbStatus.Stall, -32)]
    [InlineData(LibUsbTransferStatus.NoDevice, UrbStatus.DeviceGone, -108)]
    [InlineData(LibUsbTransferStatus.Overflow, UrbStatus.Overflow, -75)]
    [InlineData((LibUsbTransferStatus)42, UrbStatus.Other, -71)]
    public void Transfer_status_maps_to_urb_status(LibUsbTransferStatus status, UrbStatus expected, int errno)
    {
        Assert.Equal(expected, status.ToUrbStatus());
        Assert.Equal(errno, status.ToUrbStatus().ToLinuxErrno());
    }

    [Theory]
    [InlineData(LibUsbError.NoDevice, UrbStatus.DeviceGone)]
    [InlineData(LibUsbError.Pipe, UrbStatus.Stall)]
    [InlineData(LibUsbError.Timeout, UrbStatus.Timeout)]
    [InlineData(LibUsbError.Overflow, UrbStatus.Overflow)]
    [InlineData(LibUsbError.Io, UrbStatus.Other)]
    public void Submit_errors_map_to_urb_status(LibUsbError error, UrbStatus expected) => Assert.Equal(expected, error.ToUrbStatus());

    [Theory]
    [InlineData(0, UsbSpeed.Unknown)]
    [InlineData(1, UsbSpeed.Low)]
    [InlineData(2, UsbSpeed.Full)]
    [InlineData(3, UsbSpeed.High)]
    [InlineData(4, UsbSpeed.Super)]
    [InlineData(5, UsbSpeed.SuperPlus)]
    [InlineData(6, UsbSpeed.SuperPlus)]
    [InlineData(99, UsbSpeed.Unknown)]
    public void Libusb_speeds_map_to_linux_speeds(int libUsbSpeed, UsbSpeed expected) =>
        Assert.Equal(expected, LibUsbStatusMapping.ToUsbSpeed(libUsbSpeed));
}
