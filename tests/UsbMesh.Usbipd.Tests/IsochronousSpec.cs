using System.Collections.Immutable;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>Isochronous URBs end to end: a raw client, the real listener and an emulated isochronous device.</summary>
public sealed class IsochronousSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    private const uint IsoAsap = 0x0002;

    [Fact]
    public async Task Iso_IN_answers_packed_data_and_every_packets_result()
    {
        // The source's next packets are 100, 60, 192 and 50 bytes; the last packet's 16-byte buffer is too small.
        ExportIsochronous("2-1", [100, 60, 192, 50]);
        await using var client = await ImportedAsync("2-1");

        var seq = await SubmitAsync(client, UsbIpDirection.In, 1, IsoAsap, startFrame: 0, [(0, 192), (192, 192), (384, 192), (576, 16)]);
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());

        Assert.Equal(seq, ret.Seqnum);
        Assert.Equal(0, ret.Status);
        Assert.Equal(100 + 60 + 192, ret.ActualLength);
        Assert.Equal(IsochronousDevice.FirstFrame, ret.StartFrame);
        Assert.Equal(4, ret.NumberOfPackets);
        Assert.Equal(1, ret.ErrorCount);
        Assert.Equal(
            [new(0, 192, 100, 0), new(192, 192, 60, 0), new(384, 192, 192, 0), new(576, 16, 0, -LinuxErrno.EOVERFLOW)],
            ret.IsoPackets.ToArray());

        // Packed: the packets' bytes back to back, not at their offsets; the stream runs on without gaps.
        Assert.Equal(Stream(0, 352), ret.Data.ToArray());
    }

    [Fact]
    public async Task Iso_IN_without_ASAP_keeps_its_start_frame_and_the_stream_continues()
    {
        ExportIsochronous("2-1", [100, 60, 192, 50]);
        await using var client = await ImportedAsync("2-1");

        await SubmitAsync(client, UsbIpDirection.In, 1, IsoAsap, startFrame: 0, [(0, 192), (192, 192), (384, 192), (576, 16)]);
        await client.ReceiveUrbAsync();
        await SubmitAsync(client, UsbIpDirection.In, 1, 0, startFrame: 500, [(0, 192), (192, 192)]);
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());

        Assert.Equal((0, 160, 500, 2, 0), (ret.Status, ret.ActualLength, ret.StartFrame, ret.NumberOfPackets, ret.ErrorCount));
        Assert.Equal([new(0, 192, 100, 0), new(192, 192, 60, 0)], ret.IsoPackets.ToArray());

        // 352 bytes were delivered and the lost 50-byte packet was skipped, so the stream goes on at byte 402.
        Assert.Equal(Stream(402, 160), ret.Data.ToArray());
    }

    [Fact]
    public async Task Iso_OUT_delivers_each_packet_from_its_offset_and_answers_every_packets_result()
    {
        var device = ExportIsochronous("2-1");
        await using var client = await ImportedAsync("2-1");
        var buffer = Stream(0, 252);

        // Gaps between the packets; the last packet is larger than the endpoint's wMaxPacketSize.
        var seq = await SubmitAsync(client, UsbIpDirection.Out, 2, IsoAsap, startFrame: 0, [(0, 10), (16, 16), (32, 20), (52, 200)], buffer);
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());

        Assert.Equal(seq, ret.Seqnum);
        Assert.Equal(0, ret.Status);
        Assert.Equal(10 + 16 + 20, ret.ActualLength);
        Assert.Equal(IsochronousDevice.FirstFrame, ret.StartFrame);
        Assert.Equal(4, ret.NumberOfPackets);
        Assert.Equal(1, ret.ErrorCount);
        Assert.True(ret.Data.IsEmpty);
        Assert.Equal(
            [new(0, 10, 10, 0), new(16, 16, 16, 0), new(32, 20, 20, 0), new(52, 200, 0, -LinuxErrno.EOVERFLOW)],
            ret.IsoPackets.ToArray());
        Assert.Equal([buffer[..10], buffer[16..32], buffer[32..52]], device.ReceivedPackets);
    }

    [Fact]
    public async Task Unlink_of_a_pending_iso_urb_answers_ECONNRESET_and_never_the_submit()
    {
        var device = ExportIsochronous("2-1");
        device.Hold(IsochronousDevice.IsoIn);
        await using var client = await ImportedAsync("2-1");

        var seq = await SubmitAsync(client, UsbIpDirection.In, 1, IsoAsap, startFrame: 0, [(0, 192), (192, 192)]);
        using (var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5))))
        {
            await device.NextHeldAsync(timeout.Token);
        }

        var unlinkSeq = await client.UnlinkAsync(seq);
        var unlinked = Assert.IsType<UsbIpRetUnlink>(await client.ReceiveUrbAsync());
        Assert.Equal((unlinkSeq, UsbIpConstants.StatusConnReset), (unlinked.Seqnum, unlinked.Status));

        // The connection still carries iso traffic, and no RET_SUBMIT for the unlinked URB came before this one.
        var next = await SubmitAsync(client, UsbIpDirection.Out, 2, IsoAsap, startFrame: 0, [(0, 8)], new byte[8]);
        var after = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((next, 0, 8), (after.Seqnum, after.Status, after.ActualLength));
    }

    private IsochronousDevice ExportIsochronous(string busId, IReadOnlyList<int>? inPacketSizes = null)
    {
        var backend = new IsochronousDevice(inPacketSizes);
        var device = Sys.ActorOf(UsbDeviceActor.Props(backend), $"dev-{busId}");
        Exports.Tell(new Exports.Register(new ExportedDevice(busId, $"/sys/devices/platform/usbmesh/{busId}", 2, 1, device)), TestActor);
        ExpectMsg<Exports.Registered>();
        return backend;
    }

    /// <summary>Sends an isochronous CMD_SUBMIT: the buffer spans the packets; OUT carries all of it.</summary>
    private static async Task<uint> SubmitAsync(
        UsbIpTestClient client, UsbIpDirection direction, uint endpoint, uint flags, int startFrame, (int Offset, int Length)[] packets, byte[]? outData = null)
    {
        var length = packets.Max(p => p.Offset + p.Length);
        var seq = client.NextSeqnum();
        client.TrackIsochronous(seq, direction, length, packets.Length);
        var descriptors = packets.Select(p => new UsbIpIsoPacketDescriptor((uint)p.Offset, (uint)p.Length, 0, 0)).ToImmutableArray();
        var data = direction == UsbIpDirection.Out ? outData! : [];
        Assert.Equal(direction == UsbIpDirection.Out ? length : 0, data.Length);
        await client.SendAsync(new UsbIpCmdSubmit(seq, client.DevId, direction, endpoint, flags, length, startFrame, packets.Length, 4, default, data, descriptors));
        return seq;
    }

    /// <summary>Bytes <paramref name="start"/> onwards of the source's running byte count.</summary>
    private static byte[] Stream(int start, int count) => [.. Enumerable.Range(start, count).Select(i => (byte)i)];
}
