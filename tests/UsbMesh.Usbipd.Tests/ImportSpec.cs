using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

public sealed class ImportSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    [Fact]
    public async Task Import_answers_the_device_record_and_control_GET_DESCRIPTOR_works()
    {
        var backend = Export("1-1", 1, 2);
        await using var client = await ConnectAsync();
        var reply = await client.ImportAsync("1-1");

        Assert.Equal(UsbipdStatus.Ok, reply.Status);
        Assert.Equal("1-1", reply.Device!.BusId);
        Assert.Equal((ushort)0x1209, reply.Device.IdVendor);
        Assert.Equal((uint)UsbSpeed.High, reply.Device.Speed);

        var seq = await client.SubmitAsync(UsbIpDirection.In, 0, 18, setup: GetDeviceDescriptor());
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal(seq, ret.Seqnum);
        Assert.Equal(0, ret.Status);
        Assert.Equal(18, ret.ActualLength);
        Assert.Equal(backend.Device.ToBytes(), ret.Data.ToArray());
    }

    [Fact]
    public async Task Bulk_OUT_and_IN_round_trip_and_number_of_packets_is_echoed()
    {
        var backend = Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");

        byte[] payload = [1, 2, 3, 4, 5];
        var outSeq = client.NextSeqnum();
        client.Track(outSeq, UsbIpDirection.Out, payload.Length);
        await client.SendAsync(new UsbIpCmdSubmit(outSeq, client.DevId, UsbIpDirection.Out, 1, 0, payload.Length, -1, 7, 0, default, payload, []));
        var outRet = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((outSeq, 0, 5), (outRet.Seqnum, outRet.Status, outRet.ActualLength));
        Assert.Equal(7, outRet.NumberOfPackets);
        Assert.Equal(-1, outRet.StartFrame);
        Assert.Equal(payload, Assert.Single(backend.Received));

        backend.EnqueueIn([9, 8, 7]);
        var inSeq = await client.SubmitAsync(UsbIpDirection.In, 1, 512);
        var inRet = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((inSeq, 0, 3), (inRet.Seqnum, inRet.Status, inRet.ActualLength));
        Assert.Equal(new byte[] { 9, 8, 7 }, inRet.Data.ToArray());
    }

    [Fact]
    public async Task Many_urbs_in_flight_complete_in_order_per_endpoint()
    {
        Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");
        const int count = 500;
        var sent = new List<uint>();
        for (var i = 0; i < count; i++)
        {
            sent.Add(await client.SubmitAsync(UsbIpDirection.In, 1, 64));
        }

        var received = new List<uint>();
        for (var i = 0; i < count; i++)
        {
            var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
            Assert.Equal(0, ret.Status);
            Assert.Equal(64, ret.ActualLength);
            received.Add(ret.Seqnum);
        }

        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task Unlink_of_a_pending_urb_answers_ECONNRESET_and_never_the_submit()
    {
        var backend = Export("1-1", 1, 2);
        backend.Hold(LoopbackDevice.BulkIn);
        await using var client = await ImportedAsync("1-1");

        var seq = await client.SubmitAsync(UsbIpDirection.In, 1, 64);
        using (var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5))))
        {
            await backend.NextPendingAsync(timeout.Token);
        }

        var unlinkSeq = await client.UnlinkAsync(seq);
        var ret = Assert.IsType<UsbIpRetUnlink>(await client.ReceiveUrbAsync());
        Assert.Equal((unlinkSeq, UsbIpConstants.StatusConnReset), (ret.Seqnum, ret.Status));

        // The connection still works, and no RET_SUBMIT for the unlinked URB came before this reply.
        var next = await client.SubmitAsync(UsbIpDirection.In, 0, 18, setup: GetDeviceDescriptor());
        var after = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal(next, after.Seqnum);
    }

    [Fact]
    public async Task A_device_imported_unconfigured_gets_its_endpoints_with_the_clients_SET_CONFIGURATION()
    {
        // The kernel's usbip-host unconfigures the devices it binds; the client configures them after the import.
        var backend = Export("1-1", 1, 2);
        await backend.SetConfigurationAsync(0);
        await using var client = await ImportedAsync("1-1");

        var early = await client.SubmitAsync(UsbIpDirection.In, 1, 64);
        var stalled = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((early, -32), (stalled.Seqnum, stalled.Status));

        var configure = await client.SubmitAsync(UsbIpDirection.Out, 0, 0, setup: SetupPacket.SetConfiguration(1));
        var configured = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((configure, 0), (configured.Seqnum, configured.Status));

        backend.EnqueueIn([1, 2, 3]);
        var read = await client.SubmitAsync(UsbIpDirection.In, 1, 64);
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((read, 0, 3), (ret.Seqnum, ret.Status, ret.ActualLength));
    }

    [Fact]
    public async Task Unlink_of_an_unknown_seqnum_answers_status_0_and_keeps_the_connection()
    {
        Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");

        var unlinkSeq = await client.UnlinkAsync(4242);
        var ret = Assert.IsType<UsbIpRetUnlink>(await client.ReceiveUrbAsync());
        Assert.Equal((unlinkSeq, 0), (ret.Seqnum, ret.Status));

        var seq = await client.SubmitAsync(UsbIpDirection.In, 0, 18, setup: GetDeviceDescriptor());
        Assert.Equal(seq, (await client.ReceiveUrbAsync()).Seqnum);
    }

    [Fact]
    public async Task A_submit_to_an_endpoint_the_device_lacks_is_answered_with_a_stall()
    {
        Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");

        var seq = await client.SubmitAsync(UsbIpDirection.In, 9, 64);
        var ret = Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync());
        Assert.Equal((seq, -32), (ret.Seqnum, ret.Status));
    }

    [Fact]
    public async Task A_second_importer_gets_busy_and_a_disconnect_releases_the_lease_at_once()
    {
        Export("1-1", 1, 2);
        var holder = await ImportedAsync("1-1");

        await using (var second = await ConnectAsync())
        {
            var busy = await second.ImportAsync("1-1");
            Assert.Equal(UsbipdStatus.DeviceBusy, busy.Status);
            Assert.Null(busy.Device);
            Assert.True(await second.WaitClosedAsync());
        }

        await holder.DisposeAsync();
        await AwaitAssertAsync(async () =>
        {
            DeviceActors["1-1"].Tell(UsbDevice.GetInfo.Instance, TestActor);
            Assert.Null(ExpectMsg<UsbDevice.Info>().Holder);
            await Task.CompletedTask;
        }, Dilated(TimeSpan.FromSeconds(3)));

        await using var third = await ConnectAsync();
        Assert.Equal(UsbipdStatus.Ok, (await third.ImportAsync("1-1")).Status);
    }

    [Fact]
    public async Task The_device_going_away_closes_the_importing_connection()
    {
        Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");

        await EventFilter.Warning(contains: "device 1-1 is gone").ExpectOneAsync(async () =>
        {
            Sys.Stop(DeviceActors["1-1"]);
            Assert.True(await client.WaitClosedAsync());
        });
    }

    [Fact]
    public async Task Coordinated_shutdown_unbinds_and_closes_connections()
    {
        Export("1-1", 1, 2);
        await using var client = await ImportedAsync("1-1");

        Listener.Tell(Usbipd.Unbind.Instance, TestActor);
        ExpectMsg<Usbipd.Unbound>();
        await Assert.ThrowsAnyAsync<Exception>(async () => await ConnectAsync());
        Listener.Tell(Usbipd.CloseConnections.Instance, TestActor);
        ExpectMsg<Usbipd.ConnectionsClosed>();
        Assert.True(await client.WaitClosedAsync());
    }
}
