using System.Buffers;

namespace UsbMesh.UsbIp.Tests;

/// <summary>Truncated, oversized, mislabelled and inconsistent input: a precise error, never a large allocation.</summary>
public sealed class HostileInputTests
{
    private const long SmallAllocation = 16 * 1024;

    private static readonly UsbIpLimits Tight = new()
    {
        MaxTransferBufferLength = 1024 * 1024,
        MaxIsoPackets = 64,
        MaxDevices = 4,
        MaxInterfaces = 8,
    };

    private static readonly Dictionary<uint, UsbIpSubmitInfo> Pending = new()
    {
        [1] = new UsbIpSubmitInfo(UsbIpDirection.In, false, 0x7fffffff),
        [2] = new UsbIpSubmitInfo(UsbIpDirection.In, true, 4096, 8),
        [3] = new UsbIpSubmitInfo(UsbIpDirection.In, false, 16),
    };

    [Fact]
    public void Wrong_version_is_refused_naming_the_value()
    {
        var error = Wire.Fails(Wire.OpServer(), Hex.Parse("0106 8005 00000000"), UsbIpErrorReason.UnsupportedVersion);
        Assert.Contains("0x0106", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_version_fails_on_the_first_two_bytes()
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("0000"));
        Assert.Equal(UsbIpParseResult.Error, Wire.OpServer()(ref buffer, out _, out var error));
        Assert.Equal(UsbIpErrorReason.UnsupportedVersion, error!.Reason);
    }

    [Theory]
    [InlineData("0111 8004 00000000")]
    [InlineData("0111 0000 00000000")]
    [InlineData("0111 ffff 00000000")]
    public void Unknown_op_codes_are_refused(string hex) =>
        Wire.Fails(Wire.OpServer(), Hex.Parse(hex), UsbIpErrorReason.UnknownCommand);

    [Fact]
    public void A_server_refuses_replies_and_a_client_refuses_requests()
    {
        Wire.Fails(Wire.OpServer(), Hex.Parse("0111 0005 00000000 00000000"), UsbIpErrorReason.UnexpectedCommand);
        Wire.Fails(Wire.OpClient(), Hex.Parse("0111 8005 00000000"), UsbIpErrorReason.UnexpectedCommand);
        Wire.Fails(Wire.UrbServer(), Header(UsbIpConstants.RetSubmit, 1, 0, 0, 0, 0), UsbIpErrorReason.UnexpectedCommand);
        Wire.Fails(Wire.UrbClient(Pending), Header(UsbIpConstants.CmdSubmit, 1, 0, 0, 0, 0), UsbIpErrorReason.UnexpectedCommand);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(5u)]
    [InlineData(0x01110005u)]
    [InlineData(0xffffffffu)]
    public void Unknown_urb_commands_fail_on_the_first_four_bytes(uint command)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, command);
        Wire.Fails(Wire.UrbServer(), bytes, UsbIpErrorReason.UnknownCommand);
        Wire.Fails(Wire.UrbClient(Pending), bytes, UsbIpErrorReason.UnknownCommand);
    }

    [Fact]
    public void Transfer_buffer_length_past_the_cap_fails_from_the_header_alone_without_allocating()
    {
        var bytes = Header(UsbIpConstants.CmdSubmit, 1, 0, 0x7fffffff, 0, 0);
        var parse = Wire.UrbServer(limits: Tight);
        Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, SmallAllocation);
        Assert.Equal("CMD_SUBMIT transfer_buffer_length 2147483647 exceeds the limit 1048576", error.Message);
    }

    [Fact]
    public void A_large_announced_length_under_the_cap_waits_without_allocating()
    {
        var bytes = Header(UsbIpConstants.CmdSubmit, 1, 0, 1024 * 1024, 0, 0);
        var parse = Wire.UrbServer(limits: Tight);
        var buffer = new ReadOnlySequence<byte>(bytes);
        parse(ref buffer, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(UsbIpParseResult.NeedMoreData, parse(ref buffer, out _, out _));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, SmallAllocation);
    }

    [Fact]
    public void Negative_transfer_buffer_length_is_refused() =>
        Wire.Fails(Wire.UrbServer(), Header(UsbIpConstants.CmdSubmit, 0, 0, -1, 0, 0), UsbIpErrorReason.NegativeLength);

    [Fact]
    public void Direction_other_than_in_or_out_is_refused() =>
        Wire.Fails(Wire.UrbServer(), Header(UsbIpConstants.CmdSubmit, 2, 0, 0, 0, 0), UsbIpErrorReason.InvalidDirection);

    [Theory]
    [InlineData(-1, UsbIpErrorReason.NegativeLength)]
    [InlineData(int.MinValue, UsbIpErrorReason.NegativeLength)]
    [InlineData(65, UsbIpErrorReason.LimitExceeded)]
    [InlineData(int.MaxValue, UsbIpErrorReason.LimitExceeded)]
    public void Iso_number_of_packets_is_checked_before_allocating(int packets, UsbIpErrorReason reason)
    {
        var bytes = Header(UsbIpConstants.CmdSubmit, 1, 0, 0, packets, 0);
        var parse = Wire.UrbServer(iso: true, limits: Tight);
        Wire.Fails(parse, bytes, reason);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Wire.Fails(parse, bytes, reason);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, SmallAllocation);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(12345)]
    public void Non_iso_number_of_packets_is_ignored_and_kept(int packets)
    {
        var bytes = Header(UsbIpConstants.CmdSubmit, 1, 0, 8, packets, 0);
        var submit = Wire.ParsesExactly<UsbIpCmdSubmit>(Wire.UrbServer(iso: false, limits: Tight), bytes);
        Assert.Equal(packets, submit.NumberOfPackets);
        Assert.Empty(submit.IsoPackets);
    }

    [Fact]
    public void Ret_submit_for_an_unknown_seqnum_is_refused() =>
        Wire.Fails(Wire.UrbClient(Pending), Header(UsbIpConstants.RetSubmit, 0, 99, 0, 0, 0), UsbIpErrorReason.UnknownSeqnum);

    [Fact]
    public void Ret_submit_actual_length_past_the_cap_fails_without_allocating()
    {
        var bytes = Header(UsbIpConstants.RetSubmit, 0, 1, 0x7ffffff0, 0, 0, status: 0);
        var parse = Wire.UrbClient(Pending, Tight);
        Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, SmallAllocation);
    }

    [Fact]
    public void Ret_submit_longer_than_the_request_is_refused() =>
        Wire.Fails(Wire.UrbClient(Pending), Header(UsbIpConstants.RetSubmit, 0, 3, 17, 0, 0), UsbIpErrorReason.InconsistentLength);

    [Fact]
    public void Ret_submit_with_more_iso_packets_than_requested_is_refused() =>
        Wire.Fails(Wire.UrbClient(Pending), Header(UsbIpConstants.RetSubmit, 0, 2, 0, 9, 0), UsbIpErrorReason.LimitExceeded);

    [Fact]
    public void Ret_submit_iso_in_whose_packets_do_not_add_up_is_refused()
    {
        var bytes = Hex.Parse("""
            00000003 00000002 00000000 00000000 00000000 // RET_SUBMIT seqnum 2 (ISO IN)
            00000000 00000004 00000000 00000001 00000000 // actual_length 4, 1 packet
            {00*8}
            01020304
            00000000 00000010 00000003 00000000 // actual 3, not 4
            """);
        Wire.Fails(Wire.UrbClient(Pending), bytes, UsbIpErrorReason.InconsistentLength);
    }

    [Fact]
    public void Ret_submit_iso_out_whose_packets_do_not_add_up_is_refused()
    {
        var pending = new Dictionary<uint, UsbIpSubmitInfo> { [6] = new(UsbIpDirection.Out, true, 16, 2) };
        var bytes = Hex.Parse("""
            00000003 00000006 00000000 00000000 00000000 // RET_SUBMIT seqnum 6 (ISO OUT): no data follows
            00000000 00000010 00000000 00000002 00000000 // actual_length 16, 2 packets
            {00*8}
            00000000 00000008 00000008 00000000 // actual 8
            00000008 00000008 00000007 00000000 // actual 7: 15, not 16
            """);
        Wire.Fails(Wire.UrbClient(pending), bytes, UsbIpErrorReason.InconsistentLength);
    }

    [Fact]
    public void Devlist_device_count_past_the_cap_fails_without_allocating()
    {
        var bytes = Hex.Parse("0111 0005 00000000 ffffffff");
        var parse = Wire.OpClient(Tight);
        var error = Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        Assert.Contains("4294967295", error.Message, StringComparison.Ordinal);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Wire.Fails(parse, bytes, UsbIpErrorReason.LimitExceeded);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, SmallAllocation);
    }

    [Fact]
    public void Devlist_interface_count_past_the_cap_fails_before_the_interfaces_arrive()
    {
        var bytes = Hex.Parse("""
            0111 0005 00000000 00000001 // one device
            {00*311} ff                 // a device record claiming 255 interfaces; none follow
            """);
        var error = Wire.Fails(Wire.OpClient(Tight), bytes, UsbIpErrorReason.LimitExceeded);
        Assert.Equal("OP_REP_DEVLIST device 0 bNumInterfaces 255 exceeds the limit 8", error.Message);
    }

    [Fact]
    public void Server_connection_refuses_urbs_before_import_and_stays_faulted()
    {
        var parser = new UsbIpServerConnectionParser((_, _, _) => false);
        var buffer = new ReadOnlySequence<byte>(Header(UsbIpConstants.CmdSubmit, 1, 0, 0, 0, 0));
        Assert.Equal(UsbIpParseResult.Error, parser.TryParse(ref buffer, out _, out var error));
        Assert.Equal(UsbIpErrorReason.UnsupportedVersion, error!.Reason);
        Assert.Equal(UsbIpConnectionPhase.Faulted, parser.Phase);
        var valid = new ReadOnlySequence<byte>(Hex.Parse("0111 8005 00000000"));
        Assert.Equal(UsbIpParseResult.Error, parser.TryParse(ref valid, out _, out var again));
        Assert.Equal(UsbIpErrorReason.Faulted, again!.Reason);
    }

    [Fact]
    public void Server_connection_moves_from_import_to_urbs()
    {
        var parser = new UsbIpServerConnectionParser((_, _, _) => false);
        var bytes = Hex.Parse("""0111 8003 00000000 "1-1":32""").Concat(Header(UsbIpConstants.CmdSubmit, 1, 0, 0, 0, 0)).ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(UsbIpParseResult.Parsed, parser.TryParse(ref buffer, out var import, out _));
        Assert.IsType<UsbIpImportRequest>(import);
        parser.EnterUrbPhase();
        Assert.Equal(UsbIpParseResult.Parsed, parser.TryParse(ref buffer, out var submit, out _));
        Assert.IsType<UsbIpCmdSubmit>(submit);
        Assert.True(buffer.IsEmpty);
        Assert.Equal(UsbIpParseResult.NeedMoreData, parser.TryParse(ref buffer, out _, out _));
    }

    /// <summary>A 48-byte URB header; for CMD_SUBMIT the length is transfer_buffer_length, for RET_SUBMIT actual_length.</summary>
    private static byte[] Header(uint command, uint direction, uint seqnum, int length, int packets, uint endpoint, int status = 0)
    {
        var bytes = new byte[UsbIpConstants.UrbHeaderLength];
        var span = bytes.AsSpan();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span, command);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[4..], seqnum);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[12..], direction);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[16..], endpoint);
        if (command == UsbIpConstants.RetSubmit)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[20..], status);
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[24..], length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[32..], packets);
        return bytes;
    }
}
