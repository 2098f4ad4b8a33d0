using UsbMesh.Usb;

namespace UsbMesh.UsbIp.Tests;

/// <summary>
/// Byte-exact vectors, commented. The HID vectors are the capture in the kernel's protocol document
/// (Documentation/usb/usbip_protocol.rst, "EXAMPLE"); the others follow its tables field by field.
/// </summary>
public sealed class GoldenTests
{
    private const string Device = """
        "/sys/devices/pci0000:00/0000:00:1d.1/usb3/3-2":256  // path, NUL-padded
        "3-2":32                                             // busid, NUL-padded
        00000003 00000002 00000002                           // busnum 3, devnum 2, speed 2 (full)
        046d c52b 1201                                       // idVendor, idProduct, bcdDevice
        00 00 00                                             // bDeviceClass/SubClass/Protocol (per interface)
        01 01 02                                             // bConfigurationValue 1, bNumConfigurations 1, bNumInterfaces 2
        """;

    private static readonly Dictionary<uint, UsbIpSubmitInfo> HidPending = new()
    {
        [0x0d05] = new UsbIpSubmitInfo(UsbIpDirection.In, false, 0x40),
        [0x0d06] = new UsbIpSubmitInfo(UsbIpDirection.Out, false, 0x40),
    };

    [Fact]
    public void Op_req_devlist()
    {
        var bytes = Hex.Parse("""
            0111 8005 // version 1.1.1, OP_REQ_DEVLIST
            00000000  // status, unused
            """);
        var request = Wire.ParsesExactly<UsbIpDevListRequest>(Wire.OpServer(), bytes);
        Assert.Equal(0u, request.Status);
    }

    [Fact]
    public void Op_rep_devlist_with_one_device_and_two_interfaces()
    {
        var bytes = Hex.Parse($"""
            0111 0005 // version 1.1.1, OP_REP_DEVLIST
            00000000  // status OK
            00000001  // 1 device
            {Device}
            03 01 01 00 // interface 0: HID, boot, keyboard, padding
            03 01 02 00 // interface 1: HID, boot, mouse, padding
            """);
        Assert.Equal(12 + 312 + 8, bytes.Length);
        var reply = Wire.ParsesExactly<UsbIpDevListReply>(Wire.OpClient(), bytes);
        var exported = Assert.Single(reply.Devices);
        Assert.Equal("/sys/devices/pci0000:00/0000:00:1d.1/usb3/3-2", exported.Device.Path);
        Assert.Equal("3-2", exported.Device.BusId);
        Assert.Equal((ushort)0x046d, exported.Device.IdVendor);
        Assert.Equal((ushort)0xc52b, exported.Device.IdProduct);
        Assert.Equal(new UsbIpInterface(3, 1, 2), exported.Interfaces[1]);
    }

    [Fact]
    public void Op_rep_devlist_empty()
    {
        var bytes = Hex.Parse("""
            0111 0005 00000000 // OP_REP_DEVLIST, status OK
            00000000           // no devices: the message ends here
            """);
        Assert.Empty(Wire.ParsesExactly<UsbIpDevListReply>(Wire.OpClient(), bytes).Devices);
    }

    [Fact]
    public void Op_req_import()
    {
        var bytes = Hex.Parse("""
            0111 8003  // version 1.1.1, OP_REQ_IMPORT
            00000000   // status, unused
            "3-2":32   // busid, NUL-padded
            """);
        Assert.Equal("3-2", Wire.ParsesExactly<UsbIpImportRequest>(Wire.OpServer(), bytes).BusId);
    }

    [Fact]
    public void Op_rep_import_ok_carries_the_device_without_interfaces()
    {
        var bytes = Hex.Parse($"""
            0111 0003 // version 1.1.1, OP_REP_IMPORT
            00000000  // status OK: the device follows
            {Device}
            """);
        Assert.Equal(8 + 312, bytes.Length);
        var reply = Wire.ParsesExactly<UsbIpImportReply>(Wire.OpClient(), bytes);
        Assert.Equal((byte)2, reply.Device!.NumInterfaces);
    }

    [Fact]
    public void Op_rep_import_error_ends_after_the_status()
    {
        var bytes = Hex.Parse("""
            0111 0003 // OP_REP_IMPORT
            00000001  // status 1 (error): nothing follows
            """);
        Assert.Null(Wire.ParsesExactly<UsbIpImportReply>(Wire.OpClient(), bytes).Device);
    }

    [Fact]
    public void Hid_capture_cmd_intr_in()
    {
        var bytes = Hex.Parse("""
            00000001 // CMD_SUBMIT
            00000d05 // seqnum
            0001000f // devid: busnum 1, devnum 15
            00000001 // direction IN
            00000001 // ep 1
            00000200 // transfer_flags: URB_DIR_IN
            00000040 // transfer_buffer_length 64
            ffffffff // start_frame (the capture has -1 here ...)
            00000000 // number_of_packets (... and 0 here: non-ISO values are not to be trusted)
            00000004 // interval
            00000000 00000000 // setup: unused
            """);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(), bytes);
        Assert.Equal(UsbIpDirection.In, submit.Direction);
        Assert.Equal(0x40, submit.TransferBufferLength);
        Assert.True(submit.Data.IsEmpty);
        Assert.Empty(submit.IsoPackets);
    }

    [Fact]
    public void Hid_capture_cmd_intr_out()
    {
        var bytes = Hex.Parse("""
            00000001 00000d06 0001000f // CMD_SUBMIT, seqnum 0xd06, devid 1-15
            00000000 00000001          // direction OUT, ep 1
            00000000 00000040          // transfer_flags 0, transfer_buffer_length 64
            ffffffff 00000000 00000004 // start_frame, number_of_packets, interval
            00000000 00000000          // setup: unused
            // 64 bytes of OUT data
            ffffffff860008a784ce5ae212376300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
            """);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(), bytes);
        Assert.Equal(64, submit.Data.Length);
        Assert.Equal(0x86, submit.Data.Span[4]);
    }

    [Fact]
    public void Hid_capture_ret_intr_out_has_no_data_despite_actual_length()
    {
        var bytes = Hex.Parse("""
            00000003 00000d06 // RET_SUBMIT, seqnum 0xd06
            00000000 00000000 00000000 // devid, direction, ep: 0 from the server
            00000000          // status 0
            00000040          // actual_length 64 (bytes written; OUT replies carry no data)
            ffffffff 00000000 // start_frame, number_of_packets echoed as the request gave them
            00000000          // error_count
            00000000 00000000 // padding
            """);
        var reply = Wire.ParsesExactly<UsbIpRetSubmit>(Wire.UrbClient(HidPending), bytes);
        Assert.Equal(64, reply.ActualLength);
        Assert.True(reply.Data.IsEmpty);
    }

    [Fact]
    public void Hid_capture_ret_intr_in()
    {
        var bytes = Hex.Parse("""
            00000003 00000d05 00000000 00000000 00000000 // RET_SUBMIT, seqnum 0xd05, devid/direction/ep 0
            00000000 00000040 // status 0, actual_length 64
            ffffffff 00000000 // start_frame, number_of_packets
            00000000          // error_count
            00000000 00000000 // padding
            // 64 bytes of IN data
            ffffffff860011a784ce5ae2123763612891b1020100000400000000000000000000000000000000000000000000000000000000000000000000000000000000
            """);
        var reply = Wire.ParsesExactly<UsbIpRetSubmit>(Wire.UrbClient(HidPending), bytes);
        Assert.Equal(64, reply.Data.Length);
    }

    [Fact]
    public void Cmd_submit_control_get_device_descriptor()
    {
        var bytes = Hex.Parse("""
            00000001 00000001 00030002 // CMD_SUBMIT, seqnum 1, devid 3-2
            00000001 00000000          // direction IN, ep 0
            00000200 00000012          // URB_DIR_IN, transfer_buffer_length 18
            00000000 ffffffff 00000000 // start_frame 0, number_of_packets -1 (non-ISO, per the document), interval 0
            80 06 0001 0000 1200       // setup: IN|standard|device, GET_DESCRIPTOR, wValue 0x0100, wIndex 0, wLength 18 (little-endian)
            """);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(), bytes);
        Assert.Equal(new SetupPacket(0x80, 0x06, 0x0100, 0, 18), submit.Setup);
        Assert.Equal(-1, submit.NumberOfPackets);
    }

    [Fact]
    public void Cmd_unlink()
    {
        var bytes = Hex.Parse("""
            00000002 00000008 00030002 // CMD_UNLINK, seqnum 8, devid 3-2
            00000000 00000000          // direction, ep: 0 for unlink
            00000007                   // unlink_seqnum 7
            {00*24}                    // padding
            """);
        Assert.Equal(7u, Wire.ParsesExactly<UsbIpCmdUnlink>(Wire.UrbServer(), bytes).UnlinkSeqnum);
    }

    [Fact]
    public void Ret_unlink_that_won_the_race()
    {
        var bytes = Hex.Parse("""
            00000004 00000008 00000000 00000000 00000000 // RET_UNLINK, seqnum 8 (the unlink's own)
            ffffff98                                     // status -104 (-ECONNRESET): no RET_SUBMIT for 7 follows
            {00*24}                                      // padding
            """);
        var reply = Wire.ParsesExactly<UsbIpRetUnlink>(Wire.UrbClient(HidPending), bytes);
        Assert.Equal(UsbIpConstants.StatusConnReset, reply.Status);
    }

    [Fact]
    public void Cmd_submit_iso_in_carries_descriptors_but_no_data()
    {
        var bytes = Hex.Parse("""
            00000001 00000020 00030002 00000001 00000003 // CMD_SUBMIT, seqnum 0x20, devid 3-2, IN, ep 3
            00000202                   // URB_DIR_IN | URB_ISO_ASAP
            00000030                   // transfer_buffer_length 48
            00000000 00000002 00000001 // start_frame 0, number_of_packets 2, interval 1
            00000000 00000000          // setup: unused
            // descriptors: offset, length, actual_length, status
            00000000 00000018 00000000 00000000
            00000018 00000018 00000000 00000000
            """);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(iso: true), bytes);
        Assert.Equal(2, submit.IsoPackets.Length);
        Assert.Equal(new UsbIpIsoPacketDescriptor(0x18, 0x18, 0, 0), submit.IsoPackets[1]);
    }

    [Fact]
    public void Cmd_submit_iso_out_sends_the_whole_buffer_then_descriptors()
    {
        var bytes = Hex.Parse("""
            00000001 00000021 00030002 00000000 00000004 // CMD_SUBMIT, seqnum 0x21, OUT, ep 4
            00000002 00000008          // URB_ISO_ASAP, transfer_buffer_length 8
            00000000 00000002 00000001 // start_frame, 2 packets, interval
            00000000 00000000          // setup
            a1a2a3a4 b1b2b3b4          // the buffer as vhci sends it: transfer_buffer_length bytes
            00000000 00000004 00000000 00000000 // packet 0 at offset 0, 4 bytes
            00000004 00000004 00000000 00000000 // packet 1 at offset 4, 4 bytes
            """);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(iso: true), bytes);
        Assert.Equal(8, submit.Data.Length);
    }

    [Fact]
    public void Ret_submit_iso_in_data_is_packed_without_the_gaps()
    {
        var pending = new Dictionary<uint, UsbIpSubmitInfo> { [0x20] = new(UsbIpDirection.In, true, 48, 2) };
        var bytes = Hex.Parse("""
            00000003 00000020 00000000 00000000 00000000 // RET_SUBMIT, seqnum 0x20
            00000000 00000005          // status 0, actual_length 5 = 3 + 2
            00000010 00000002 00000000 // start_frame 16, number_of_packets 2, error_count 0
            00000000 00000000          // padding
            010203 0405                // packet 0's 3 bytes, then packet 1's 2 bytes, no padding between
            00000000 00000018 00000003 00000000 // packet 0: offset 0, length 24, actual 3, status 0
            00000018 00000018 00000002 00000000 // packet 1: offset 24, length 24, actual 2, status 0
            """);
        var reply = Wire.ParsesExactly<UsbIpRetSubmit>(Wire.UrbClient(pending), bytes);
        Assert.Equal([1, 2, 3, 4, 5], reply.Data.ToArray());
        Assert.Equal(2u, reply.IsoPackets[1].ActualLength);
    }

    [Fact]
    public void Ret_submit_stall()
    {
        var bytes = Hex.Parse("""
            00000003 00000d05 00000000 00000000 00000000 // RET_SUBMIT, seqnum 0xd05
            ffffffe0 00000000 // status -32 (-EPIPE, stall), actual_length 0: no data
            ffffffff 00000000 00000000 // start_frame, number_of_packets, error_count
            {00*8}            // padding
            """);
        Assert.Equal(-32, Wire.ParsesExactly<UsbIpRetSubmit>(Wire.UrbClient(HidPending), bytes).Status);
    }
}
