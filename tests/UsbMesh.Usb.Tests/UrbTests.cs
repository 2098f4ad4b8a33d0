namespace UsbMesh.Usb.Tests;

public class UrbTests
{
    [Theory]
    [InlineData(UrbStatus.Completed, 0)]
    [InlineData(UrbStatus.Stall, -32)]
    [InlineData(UrbStatus.Unlinked, -104)]
    [InlineData(UrbStatus.DeviceGone, -108)]
    [InlineData(UrbStatus.Overflow, -75)]
    [InlineData(UrbStatus.Timeout, -110)]
    [InlineData(UrbStatus.ShortPacket, -121)]
    [InlineData(UrbStatus.Other, -71)]
    public void Status_maps_to_linux_errno_and_back(UrbStatus status, int errno)
    {
        Assert.Equal(errno, status.ToLinuxErrno());
        Assert.Equal(status, UrbStatuses.FromLinuxErrno(errno));
    }

    [Theory]
    [InlineData(-19, UrbStatus.DeviceGone)] // ENODEV
    [InlineData(-2, UrbStatus.Unlinked)] // ENOENT: usb_kill_urb
    [InlineData(-84, UrbStatus.Other)] // EILSEQ: CRC
    [InlineData(-62, UrbStatus.Other)] // ETIME: missed iso frame
    [InlineData(-63, UrbStatus.Other)] // ENOSR
    [InlineData(-70, UrbStatus.Other)] // ECOMM
    [InlineData(-115, UrbStatus.Other)] // EINPROGRESS is never final
    [InlineData(32, UrbStatus.Other)] // positive values are not statuses
    [InlineData(int.MinValue, UrbStatus.Other)]
    public void Other_linux_statuses_fold_into_the_closed_set(int errno, UrbStatus expected) =>
        Assert.Equal(expected, UrbStatuses.FromLinuxErrno(errno));

    [Fact]
    public void Every_status_has_a_distinct_errno()
    {
        var values = Enum.GetValues<UrbStatus>();
        Assert.Equal(values.Length, values.Select(s => s.ToLinuxErrno()).Distinct().Count());
    }

    [Fact]
    public void Transfer_flags_match_linux_usb_h()
    {
        Assert.Equal(0x0001u, (uint)UrbTransferFlags.ShortNotOk);
        Assert.Equal(0x0002u, (uint)UrbTransferFlags.IsoAsap);
        Assert.Equal(0x0004u, (uint)UrbTransferFlags.NoTransferDmaMap);
        Assert.Equal(0x0040u, (uint)UrbTransferFlags.ZeroPacket);
        Assert.Equal(0x0080u, (uint)UrbTransferFlags.NoInterrupt);
        Assert.Equal(0x0200u, (uint)UrbTransferFlags.DirIn);
    }

    [Theory]
    [InlineData(UsbDirection.In, UrbTransferFlags.ShortNotOk, 512, 13, UrbStatus.ShortPacket)]
    [InlineData(UsbDirection.In, UrbTransferFlags.ShortNotOk, 512, 512, UrbStatus.Completed)]
    [InlineData(UsbDirection.In, UrbTransferFlags.None, 512, 13, UrbStatus.Completed)]
    [InlineData(UsbDirection.Out, UrbTransferFlags.ShortNotOk, 512, 13, UrbStatus.Completed)]
    public void Short_packet_is_an_error_only_for_in_with_short_not_ok(UsbDirection direction, UrbTransferFlags flags, int requested, int actual, UrbStatus expected) =>
        Assert.Equal(expected, UrbStatuses.ForSuccessfulTransfer(direction, flags, requested, actual));

    [Fact]
    public void Bulk_in_result_applies_short_packet_rule()
    {
        var request = UrbRequest.BulkIn(2, 512) with { Flags = UrbTransferFlags.ShortNotOk | UrbTransferFlags.DirIn };
        Assert.Equal((0x82, UsbDirection.In, TransferType.Bulk, 2), (request.EndpointAddress, request.Direction, request.TransferType, request.EndpointNumber));

        var result = UrbResult.Transferred(request, 13, new byte[13]);
        Assert.Equal(UrbStatus.ShortPacket, result.Status);
        Assert.Equal(-121, result.LinuxStatus);
        Assert.Equal(UrbStatus.Completed, UrbResult.Transferred(request, 512).Status);
        Assert.Throws<ArgumentOutOfRangeException>(() => UrbResult.Transferred(request, 513));
        Assert.Equal(-32, UrbResult.Failed(UrbStatus.Stall).LinuxStatus);
    }

    [Fact]
    public void Control_request_takes_direction_and_length_from_setup()
    {
        var getDescriptor = UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Configuration, 0, 0, 255));
        Assert.Equal((0x80, TransferType.Control, 255), (getDescriptor.EndpointAddress, getDescriptor.TransferType, getDescriptor.TransferLength));
        Assert.NotNull(getDescriptor.Setup);

        var lineCoding = new SetupPacket(0x21, 0x20, 0, 0, 7);
        var set = UrbRequest.Control(lineCoding, new byte[] { 0x80, 0x25, 0, 0, 0, 0, 8 });
        Assert.Equal(UsbDirection.Out, set.Direction);
        Assert.Equal(7, set.OutData.Length);

        Assert.Throws<ArgumentException>(() => UrbRequest.Control(lineCoding, new byte[3]));
        Assert.Throws<ArgumentException>(() => UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18), new byte[18]));
    }

    [Fact]
    public void Isochronous_request_validates_its_packets()
    {
        IsoPacket[] packets = [new(0, 192), new(192, 192), new(384, 192)];
        var request = UrbRequest.Isochronous(1, UsbDirection.In, 576, packets, interval: 1) with { Flags = UrbTransferFlags.IsoAsap };
        Assert.Equal(3, request.IsoPackets.Count);
        Assert.Equal(TransferType.Isochronous, request.TransferType);

        Assert.Throws<ArgumentException>(() => UrbRequest.Isochronous(1, UsbDirection.In, 500, packets, 1));
        Assert.Throws<ArgumentException>(() => UrbRequest.Isochronous(1, UsbDirection.In, 576, [], 1));
        Assert.Throws<ArgumentException>(() => UrbRequest.Isochronous(1, UsbDirection.Out, 576, packets, 1, outData: new byte[10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => UrbRequest.BulkIn(0, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => UrbRequest.BulkIn(16, 64));

        var result = new UrbResult(UrbStatus.Completed, 380)
        {
            IsoPacketResults = [new(0, 192, 192, UrbStatus.Completed), new(192, 192, 188, UrbStatus.Completed), new(384, 192, 0, UrbStatus.Other)],
            ErrorCount = 1,
        };
        Assert.Equal(1, result.IsoPacketResults.Count(p => p.Status != UrbStatus.Completed));
    }

    [Fact]
    public void Interrupt_requests_carry_their_interval()
    {
        var poll = UrbRequest.InterruptIn(1, 8, interval: 10);
        Assert.Equal((0x81, 10), (poll.EndpointAddress, poll.Interval));
        var leds = UrbRequest.InterruptOut(2, new byte[] { 0x02 }, interval: 10);
        Assert.Equal((0x02, UsbDirection.Out, 1), (leds.EndpointAddress, leds.Direction, leds.TransferLength));
        var bulk = UrbRequest.BulkOut(2, new byte[31]);
        Assert.Equal(31, bulk.TransferLength);
    }
}
