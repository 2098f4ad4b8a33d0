using System.Buffers;
using UsbMesh.Usb;

namespace UsbMesh.UsbIp.Tests;

/// <summary>Messages built in code survive write then parse, alone and back to back in random chunks.</summary>
public sealed class RoundTripTests
{
    private static readonly UsbIpDevice Device = new(
        "/sys/bus/usb/devices/1-1", "1-1", 1, 4, 3, 0x0781, 0x5581, 0x0100, 0, 0, 0, 1, 1, 1);

    private static readonly UsbIpCmdSubmit IsoOut = new(
        9, 0x00010004, UsbIpDirection.Out, 2, 0x2, 6, 100, 2, 1, default, new byte[] { 1, 2, 3, 4, 5, 6 },
        [new UsbIpIsoPacketDescriptor(0, 3, 0, 0), new UsbIpIsoPacketDescriptor(3, 3, 0, 0)]);

    public static TheoryData<string> Names => [.. Cases().Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Written_messages_parse_back_to_the_same_bytes(string name)
    {
        var (parse, message) = Cases()[name];
        var bytes = Wire.Write(message);
        var parsed = Wire.ParsesExactly<UsbIpMessage>(parse, bytes);
        Assert.Equal(message.GetType(), parsed.GetType());
    }

    [Fact]
    public void Records_compare_by_value_where_they_hold_no_buffers()
    {
        var bytes = Wire.Write(new UsbIpImportReply(0, Device));
        var buffer = new ReadOnlySequence<byte>(bytes);
        Wire.OpClient()(ref buffer, out var parsed, out _);
        Assert.Equal(new UsbIpImportReply(0, Device), parsed);
    }

    [Fact]
    public void Non_iso_reply_echoes_the_requests_number_of_packets()
    {
        var request = new UsbIpCmdSubmit(5, 0x10002, UsbIpDirection.In, 1, 0x200, 8, 0, -1, 10, default, default, default);
        var reply = UsbIpRetSubmit.For(request, 0, 2, new byte[] { 0xAA, 0xBB });
        var bytes = Wire.Write(reply);
        Assert.Equal(Hex.Parse("""
            00000003 00000005 00000000 00000000 00000000 // RET_SUBMIT seqnum 5
            00000000 00000002                            // status 0, actual_length 2
            00000000 ffffffff 00000000                   // start_frame echoed, number_of_packets -1 echoed, error_count
            {00*8} aabb                                  // padding, data
            """), bytes);
    }

    [Fact]
    public void Back_to_back_messages_in_random_chunks_parse_the_same()
    {
        var messages = new UsbIpMessage[]
        {
            IsoOut,
            new UsbIpCmdSubmit(10, 1, UsbIpDirection.Out, 1, 0, 3, 0, 0, 0, default, new byte[] { 7, 8, 9 }, default),
            new UsbIpCmdUnlink(11, 1, UsbIpDirection.Out, 0, 10),
            new UsbIpCmdSubmit(12, 1, UsbIpDirection.In, 0, 0x200, 64, 0, 0, 0, new SetupPacket(0x80, 6, 0x200, 0, 64), default, default),
        };
        var stream = messages.SelectMany(Wire.Write).ToArray();
        var random = new Random(20261121);
        for (var round = 0; round < 50; round++)
        {
            var parse = Wire.UrbServer(iso: false);
            var isoParse = Wire.UrbServer(iso: true);
            var received = new List<byte>();
            var output = new List<byte>();
            var offset = 0;
            var index = 0;
            while (offset < stream.Length || received.Count > 0)
            {
                var take = Math.Min(random.Next(1, 40), stream.Length - offset);
                received.AddRange(stream.AsSpan(offset, take).ToArray());
                offset += take;
                var buffer = new ReadOnlySequence<byte>(received.ToArray());
                while (true)
                {
                    var before = buffer.Length;
                    var result = (index == 0 ? isoParse : parse)(ref buffer, out var message, out var error);
                    Assert.Null(error);
                    if (result == UsbIpParseResult.NeedMoreData)
                    {
                        break;
                    }

                    output.AddRange(Wire.Write(message!));
                    index++;
                    received.RemoveRange(0, (int)(before - buffer.Length));
                }

                if (take == 0)
                {
                    break;
                }
            }

            Assert.Equal(messages.Length, index);
            Assert.Equal(stream, output.ToArray());
        }
    }

    private static Dictionary<string, (ParseFn Parse, UsbIpMessage Message)> Cases()
    {
        var pending = new Dictionary<uint, UsbIpSubmitInfo>
        {
            [1] = new(UsbIpDirection.In, false, 512),
            [2] = new(UsbIpDirection.Out, false, 512),
            [3] = new(UsbIpDirection.In, true, 30, 3),
            [4] = new(UsbIpDirection.Out, true, 30, 3),
        };
        var client = Wire.UrbClient(pending);
        return new()
        {
            ["devlist request"] = (Wire.OpServer(), new UsbIpDevListRequest()),
            ["devlist reply, two devices"] = (Wire.OpClient(), new UsbIpDevListReply(0,
            [
                new UsbIpExportedDevice(Device, [new UsbIpInterface(8, 6, 0x50)]),
                new UsbIpExportedDevice(Device with { BusId = "1-2", NumInterfaces = 0 }, []),
            ])),
            ["devlist reply, error status"] = (Wire.OpClient(), new UsbIpDevListReply(1, [])),
            ["import request, 31-byte busid"] = (Wire.OpServer(), new UsbIpImportRequest(new string('9', 31))),
            ["import reply"] = (Wire.OpClient(), new UsbIpImportReply(0, Device with { Path = new string('p', 255) })),
            ["cmd submit bulk out"] = (Wire.UrbServer(), new UsbIpCmdSubmit(
                1, 0x10004, UsbIpDirection.Out, 2, 0, 5, 0, 0, 0, default, new byte[] { 1, 2, 3, 4, 5 }, default)),
            ["cmd submit iso out"] = (Wire.UrbServer(iso: true), IsoOut),
            ["cmd unlink"] = (Wire.UrbServer(), new UsbIpCmdUnlink(2, 0x10004, UsbIpDirection.Out, 0, 1)),
            ["ret submit in"] = (client, new UsbIpRetSubmit(1, 0, 3, 0, 0, 0, new byte[] { 9, 8, 7 }, default)),
            ["ret submit out"] = (client, new UsbIpRetSubmit(2, 0, 512, 0, 0, 0, default, default)),
            ["ret submit iso in, packed"] = (client, new UsbIpRetSubmit(3, 0, 4, 7, 3, 1, new byte[] { 1, 2, 3, 4 },
                [new(0, 10, 4, 0), new(10, 10, 0, -18), new(20, 10, 0, 0)])),
            ["ret submit iso out"] = (client, new UsbIpRetSubmit(4, 0, 30, 7, 3, 0, default,
                [new(0, 10, 10, 0), new(10, 10, 10, 0), new(20, 10, 10, 0)])),
            ["ret unlink, completed first"] = (client, new UsbIpRetUnlink(5, 0)),
        };
    }
}
