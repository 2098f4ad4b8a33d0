using System.Buffers;
using UsbMesh.Usbipd.Client;

namespace UsbMesh.Usbipd.Tests.Client;

/// <summary>
/// Golden vectors of the importing side: the bytes a <see cref="UrbRequest"/> becomes (field by field as vhci-hcd
/// sends them; the HID vectors are the capture of the kernel's protocol document) and the <see cref="UrbResult"/> a
/// RET_SUBMIT reads back as.
/// </summary>
public sealed class UsbIpClientTranslationTests
{
    [Fact]
    public void Control_GET_DESCRIPTOR_is_an_IN_submit_on_ep0_with_the_setup_bytes()
    {
        var request = UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18));
        Assert.Equal(Hex("""
            00000001 00000001 00030002 // CMD_SUBMIT, seqnum 1, devid 3-2
            00000001 00000000          // direction IN, ep 0
            00000200 00000012          // URB_DIR_IN, transfer_buffer_length 18
            00000000 00000000 00000000 // start_frame 0, number_of_packets 0 (non-ISO, as vhci sends them), interval 0
            80 06 0001 0000 1200       // setup: GET_DESCRIPTOR(DEVICE), wLength 18 (little-endian)
            """), Bytes(UsbIpClientTranslation.CmdSubmit(1, 0x00030002, request)));
    }

    [Fact]
    public void Interrupt_IN_matches_the_protocol_documents_capture_but_for_start_frame()
    {
        var request = UrbRequest.InterruptIn(1, 64, 4);
        Assert.Equal(Hex("""
            00000001 00000d05 0001000f // CMD_SUBMIT, seqnum 0xd05, devid 1-15
            00000001 00000001          // direction IN, ep 1
            00000200 00000040          // URB_DIR_IN, transfer_buffer_length 64
            00000000 00000000 00000004 // start_frame 0 (the capture's -1 is an uninitialised field), number_of_packets 0, interval 4
            00000000 00000000          // setup: unused
            """), Bytes(UsbIpClientTranslation.CmdSubmit(0xd05, 0x0001000f, request)));
    }

    [Fact]
    public void Bulk_OUT_carries_its_data_and_keeps_its_flags_without_URB_DIR_IN()
    {
        var request = UrbRequest.BulkOut(2, new byte[] { 0xde, 0xad, 0xbe, 0xef }) with
        {
            Flags = UrbTransferFlags.ZeroPacket | UrbTransferFlags.DirIn,
        };
        Assert.Equal(Hex("""
            00000001 00000007 00640001 // CMD_SUBMIT, seqnum 7, devid 100-1
            00000000 00000002          // direction OUT, ep 2
            00000040 00000004          // URB_ZERO_PACKET (a stray URB_DIR_IN is dropped), 4 bytes
            00000000 00000000 00000000 // start_frame, number_of_packets, interval
            00000000 00000000          // setup: unused
            deadbeef                   // the OUT data
            """), Bytes(UsbIpClientTranslation.CmdSubmit(7, 0x00640001, request)));
    }

    [Fact]
    public void Control_OUT_carries_wLength_bytes()
    {
        var setup = new SetupPacket(0x21, 0x09, 0x0200, 0, 1); // HID SET_REPORT(output): the keyboard LEDs
        var request = UrbRequest.Control(setup, new byte[] { 0x02 });
        Assert.Equal(Hex("""
            00000001 00000002 00640002 00000000 00000000 // CMD_SUBMIT, seqnum 2, devid 100-2, OUT, ep 0
            00000000 00000001 00000000 00000000 00000000 // flags 0, 1 byte, start_frame, packets, interval
            21 09 0002 0000 0100                         // setup
            02                                           // data stage
            """), Bytes(UsbIpClientTranslation.CmdSubmit(2, 0x00640002, request)));
    }

    [Fact]
    public void Isochronous_IN_sends_its_packet_layout_after_the_header()
    {
        var request = UrbRequest.Isochronous(3, UsbDirection.In, 384, [new IsoPacket(0, 192), new IsoPacket(192, 192)], 1, startFrame: 5)
            with { Flags = UrbTransferFlags.IsoAsap };
        Assert.Equal(Hex("""
            00000001 00000009 00010002 // CMD_SUBMIT, seqnum 9, devid 1-2
            00000001 00000003          // direction IN, ep 3
            00000202 00000180          // URB_DIR_IN | URB_ISO_ASAP, 384 bytes
            00000005 00000002 00000001 // start_frame 5, 2 packets, interval 1
            00000000 00000000          // setup: unused
            00000000 000000c0 00000000 00000000 // packet 0: offset 0, length 192
            000000c0 000000c0 00000000 00000000 // packet 1: offset 192, length 192
            """), Bytes(UsbIpClientTranslation.CmdSubmit(9, 0x00010002, request)));
    }

    [Fact]
    public void Unlink_names_the_urb_with_direction_and_ep_0()
    {
        Assert.Equal(Hex("""
            00000002 0000000b 00640001 // CMD_UNLINK, seqnum 11, devid 100-1
            00000000 00000000          // direction, ep: 0
            0000000a                   // unlink seqnum 10
            {24 zero bytes of padding}
            000000000000000000000000000000000000000000000000
            """), Bytes(UsbIpClientTranslation.CmdUnlink(11, 0x00640001, 10)));
    }

    [Fact]
    public void Submit_info_frames_the_reply_of_each_kind()
    {
        Assert.Equal(new UsbIpSubmitInfo(UsbIpDirection.In, false, 18), UsbIpClientTranslation.SubmitInfo(UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18))));
        Assert.Equal(new UsbIpSubmitInfo(UsbIpDirection.Out, false, 3), UsbIpClientTranslation.SubmitInfo(UrbRequest.BulkOut(1, new byte[3])));
        var iso = UrbRequest.Isochronous(1, UsbDirection.Out, 8, [new IsoPacket(0, 4), new IsoPacket(4, 4)], 1, outData: new byte[8]);
        Assert.Equal(new UsbIpSubmitInfo(UsbIpDirection.Out, true, 8, 2), UsbIpClientTranslation.SubmitInfo(iso));
    }

    [Fact]
    public void The_usbipd_endpoint_reads_each_submit_back_as_the_same_request()
    {
        var configuration = new ConfigurationBuilder()
            .Interface(0, 0xff)
            .Endpoint(1, UsbDirection.In, TransferType.Bulk, 512)
            .Endpoint(2, UsbDirection.Out, TransferType.Bulk, 512)
            .Endpoint(3, UsbDirection.In, TransferType.Interrupt, 8, interval: 4)
            .Build();
        UrbRequest[] requests =
        [
            UrbRequest.Control(SetupPacket.GetDescriptor(2, 0, 0, 255)),
            UrbRequest.Control(SetupPacket.SetConfiguration(1)),
            UrbRequest.BulkIn(1, 4096) with { Flags = UrbTransferFlags.ShortNotOk },
            UrbRequest.BulkOut(2, new byte[] { 1, 2, 3 }),
            UrbRequest.InterruptIn(3, 8, 4),
        ];
        foreach (var request in requests)
        {
            var back = UsbipdTranslation.ToRequest(UsbIpClientTranslation.CmdSubmit(1, 1, request), configuration);
            Assert.Equal(request.EndpointAddress, back.EndpointAddress);
            Assert.Equal(request.TransferType, back.TransferType);
            Assert.Equal(request.TransferLength, back.TransferLength);
            Assert.Equal(request.Setup, back.Setup);
            Assert.Equal(request.OutData.ToArray(), back.OutData.ToArray());
            Assert.Equal(request.Interval, back.Interval);
            Assert.Equal(request.Flags, back.Flags & ~UrbTransferFlags.DirIn);
        }
    }

    [Fact]
    public void An_IN_reply_reads_back_with_its_data()
    {
        var request = UrbRequest.InterruptIn(1, 64, 4);
        var reply = Parse(request, """
            00000003 00000d05 00000000 00000000 00000000 // RET_SUBMIT, seqnum 0xd05, devid/direction/ep 0
            00000000 00000004 // status 0, actual_length 4
            00000000 00000000 00000000 // start_frame, number_of_packets, error_count
            {padding}
            0000000000000000
            01020304          // IN data
            """);
        var result = UsbIpClientTranslation.Result(reply, request);
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.Equal(4, result.ActualLength);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, result.InData.ToArray());
    }

    [Fact]
    public void An_OUT_reply_reports_the_bytes_written_and_no_more_than_were_sent()
    {
        var request = UrbRequest.BulkOut(2, new byte[16]);
        var written = UsbIpClientTranslation.Result(UsbIpRetSubmit.For(Submit(request), 0, 16, default), request);
        Assert.Equal((UrbStatus.Completed, 16), (written.Status, written.ActualLength));
        Assert.True(written.InData.IsEmpty);

        var boasting = UsbIpClientTranslation.Result(UsbIpRetSubmit.For(Submit(request), 0, 1000, default), request);
        Assert.Equal(16, boasting.ActualLength);
    }

    [Theory]
    [InlineData(-32, UrbStatus.Stall)]
    [InlineData(-104, UrbStatus.Unlinked)]
    [InlineData(-2, UrbStatus.Unlinked)]
    [InlineData(-108, UrbStatus.DeviceGone)]
    [InlineData(-19, UrbStatus.DeviceGone)]
    [InlineData(-75, UrbStatus.Overflow)]
    [InlineData(-110, UrbStatus.Timeout)]
    [InlineData(-121, UrbStatus.ShortPacket)]
    [InlineData(-71, UrbStatus.Other)]
    [InlineData(-5, UrbStatus.Other)]
    public void A_failed_reply_reads_back_as_its_status(int errno, UrbStatus status)
    {
        var request = UrbRequest.BulkIn(1, 512);
        var result = UsbIpClientTranslation.Result(UsbIpRetSubmit.For(Submit(request), errno, 0, default), request);
        Assert.Equal(status, result.Status);
        Assert.Equal(0, result.ActualLength);
    }

    [Fact]
    public void An_isochronous_IN_reply_keeps_its_packed_data_and_per_packet_results()
    {
        var request = UrbRequest.Isochronous(3, UsbDirection.In, 16, [new IsoPacket(0, 8), new IsoPacket(8, 8)], 1);
        var reply = Parse(request, """
            00000003 00000001 00000000 00000000 00000000 // RET_SUBMIT, seqnum 1
            00000000 00000005 // status 0, actual_length 5 (3 + 2)
            00000007 00000002 00000001 // start_frame 7, 2 packets, 1 error
            0000000000000000  // padding
            aabbcc ddee       // packed: packet 0's 3 bytes, then packet 1's 2
            00000000 00000008 00000003 00000000 // packet 0: 3 of 8, ok
            00000008 00000008 00000002 ffffffb9 // packet 1: 2 of 8, -EPROTO
            """);
        var result = UsbIpClientTranslation.Result(reply, request);
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.Equal(5, result.ActualLength);
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc, 0xdd, 0xee }, result.InData.ToArray());
        Assert.Equal(
            [new IsoPacketResult(0, 8, 3, UrbStatus.Completed), new IsoPacketResult(8, 8, 2, UrbStatus.Other)],
            result.IsoPacketResults);
        Assert.Equal((1, 7), (result.ErrorCount, result.StartFrame));
    }

    [Fact]
    public void An_isochronous_packet_longer_than_its_slot_fails_the_urb_as_babble()
    {
        var request = UrbRequest.Isochronous(3, UsbDirection.In, 8, [new IsoPacket(0, 4), new IsoPacket(4, 4)], 1);
        var reply = new UsbIpRetSubmit(1, 0, 6, 0, 2, 0, new byte[6],
            [new UsbIpIsoPacketDescriptor(0, 4, 6, 0), new UsbIpIsoPacketDescriptor(4, 4, 0, 0)]);
        var result = UsbIpClientTranslation.Result(reply, request);
        Assert.Equal(UrbStatus.Overflow, result.Status);
        Assert.True(result.InData.IsEmpty);
        Assert.All(result.IsoPacketResults, p => Assert.Equal((0, UrbStatus.Overflow), (p.ActualLength, p.Status)));
    }

    private static UsbIpCmdSubmit Submit(UrbRequest request) => UsbIpClientTranslation.CmdSubmit(1, 1, request);

    /// <summary>Parses a RET_SUBMIT as a client waiting for <paramref name="request"/> would.</summary>
    private static UsbIpRetSubmit Parse(UrbRequest request, string hex)
    {
        var parser = UsbIpUrbParser.ForClient((uint _, out UsbIpSubmitInfo info) =>
        {
            info = UsbIpClientTranslation.SubmitInfo(request);
            return true;
        });
        var buffer = new ReadOnlySequence<byte>(Hex(hex));
        Assert.Equal(UsbIpParseResult.Parsed, parser.TryParse(ref buffer, out var message, out var error));
        Assert.Null(error);
        Assert.True(buffer.IsEmpty);
        return Assert.IsType<UsbIpRetSubmit>(message);
    }

    private static byte[] Bytes(UsbIpMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        UsbIpWriter.Write(message, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Hex digits in any grouping; <c>//</c> comments and <c>{…}</c> notes are skipped.</summary>
    private static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Split('\n')
        .Select(line => line.Split("//")[0])
        .Select(line => System.Text.RegularExpressions.Regex.Replace(line, @"\{[^}]*\}|\s", ""))));
}
