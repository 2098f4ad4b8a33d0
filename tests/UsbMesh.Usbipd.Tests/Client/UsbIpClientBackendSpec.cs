using UsbMesh.Usbipd.Client;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests.Client;

/// <summary>The client side against the node's own usbipd endpoint on a real TCP socket.</summary>
public sealed class UsbIpClientBackendSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    private static readonly UsbIpClientSettings ClientSettings = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ReplyTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task The_device_list_names_every_exported_device()
    {
        Export("1-1", 1, 2);
        Export("1-2", 1, 3, UsbSpeed.Full);

        var devices = await UsbIpClient.ListAsync(Endpoint, ClientSettings);

        Assert.Equal(["1-1", "1-2"], devices.Select(d => d.Device.BusId));
        Assert.Equal((uint)UsbSpeed.Full, devices[1].Device.Speed);
    }

    [Fact]
    public async Task An_import_reads_the_descriptors_over_the_connection()
    {
        var device = Export("1-1", 1, 2);

        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        Assert.Equal(device.Device, backend.Device);
        Assert.Equal(device.Configurations.Select(c => c.ToBytes()), backend.Configurations.Select(c => c.ToBytes()));
        Assert.Equal(UsbSpeed.High, backend.Speed);
        Assert.Equal(device.ActiveConfigurationValue, backend.ActiveConfigurationValue);
        Assert.Equal((1u, 2u), (backend.Record.BusNum, backend.Record.DevNum));
    }

    [Fact]
    public async Task An_unknown_or_busy_device_is_refused_with_the_servers_status()
    {
        Export("1-1", 1, 2);
        await using var first = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        var busy = await Assert.ThrowsAsync<UsbIpImportRefusedException>(() => UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings));
        var unknown = await Assert.ThrowsAsync<UsbIpImportRefusedException>(() => UsbIpClientBackend.ImportAsync(Endpoint, "9-9", ClientSettings));

        Assert.Equal(UsbipdStatus.DeviceBusy, busy.Status);
        Assert.Equal(UsbipdStatus.NoDevice, unknown.Status);
    }

    [Fact]
    public async Task Bulk_transfers_go_both_ways_with_many_in_flight()
    {
        var device = Export("1-1", 1, 2);
        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        var written = await backend.SubmitAsync(UrbRequest.BulkOut(1, new byte[] { 1, 2, 3 }), default);
        Assert.Equal((UrbStatus.Completed, 3), (written.Status, written.ActualLength));
        Assert.Equal([1, 2, 3], Assert.Single(device.Received));

        const int count = 200;
        for (var i = 0; i < count; i++)
        {
            device.EnqueueIn([(byte)i, (byte)(i >> 8)]);
        }

        var reads = Enumerable.Range(0, count).Select(_ => backend.SubmitAsync(UrbRequest.BulkIn(1, 512), default)).ToArray();
        var results = await Task.WhenAll(reads).WaitAsync(Dilated(TimeSpan.FromSeconds(10)));
        Assert.All(results, r => Assert.Equal(UrbStatus.Completed, r.Status));
        Assert.Equal(Enumerable.Range(0, count), results.Select(r => r.InData.Span[0] | (r.InData.Span[1] << 8)));
    }

    [Fact]
    public async Task An_unlink_that_wins_completes_the_transfer_as_unlinked_and_the_connection_goes_on()
    {
        var device = Export("1-1", 1, 2);
        device.Hold(LoopbackDevice.BulkIn);
        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        using var unlink = new CancellationTokenSource();
        var read = backend.SubmitAsync(UrbRequest.BulkIn(1, 64), unlink.Token);
        using (var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5))))
        {
            await device.NextPendingAsync(timeout.Token);
        }

        unlink.Cancel();

        Assert.Equal(UrbStatus.Unlinked, (await read.WaitAsync(Dilated(TimeSpan.FromSeconds(5)))).Status);
        var after = await backend.SubmitAsync(UrbRequest.Control(GetDeviceDescriptor()), default).WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        Assert.Equal(18, after.ActualLength);
    }

    [Fact]
    public async Task An_unlink_that_loses_leaves_the_real_result()
    {
        var device = Export("1-1", 1, 2);
        device.Hold(LoopbackDevice.BulkIn, honourUnlink: false);
        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        using var unlink = new CancellationTokenSource();
        var read = backend.SubmitAsync(UrbRequest.BulkIn(1, 64), unlink.Token);
        LoopbackDevice.PendingTransfer pending;
        using (var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5))))
        {
            pending = await device.NextPendingAsync(timeout.Token);
        }

        unlink.Cancel();
        await pending.UnlinkRequested.WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        pending.Complete([7, 7]);

        var result = await read.WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        Assert.Equal((UrbStatus.Completed, 2), (result.Status, result.ActualLength));
    }

    [Fact]
    public async Task Standard_requests_are_carried_out_by_the_server()
    {
        var device = Export("1-1", 1, 2);
        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);

        await backend.SetConfigurationAsync(1);
        await backend.SetInterfaceAsync(0, 0);
        await backend.ClearHaltAsync(LoopbackDevice.BulkIn);
        await backend.ResetAsync();

        Assert.Equal([1], device.SetConfigurationCalls);
        Assert.Equal([(0, 0)], device.SetInterfaceCalls);
        Assert.Equal([LoopbackDevice.BulkIn], device.ClearHaltCalls);
        Assert.Equal(1, device.ResetCount);
        Assert.Equal(1, backend.ActiveConfigurationValue);
    }

    [Fact]
    public async Task The_server_going_away_completes_pending_and_later_transfers_as_gone()
    {
        var device = Export("1-1", 1, 2);
        device.Hold(LoopbackDevice.BulkIn);
        await using var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);
        var read = backend.SubmitAsync(UrbRequest.BulkIn(1, 64), default);
        using (var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5))))
        {
            await device.NextPendingAsync(timeout.Token);
        }

        Sys.Stop(DeviceActors["1-1"]);

        Assert.Equal(UrbStatus.DeviceGone, (await read.WaitAsync(Dilated(TimeSpan.FromSeconds(5)))).Status);
        Assert.Contains("closed", await backend.Closed.WaitAsync(Dilated(TimeSpan.FromSeconds(5))), StringComparison.Ordinal);
        Assert.Equal(UrbStatus.DeviceGone, (await backend.SubmitAsync(UrbRequest.BulkIn(1, 64), default)).Status);
        var error = await Assert.ThrowsAsync<UsbBackendException>(() => backend.SetConfigurationAsync(1));
        Assert.Equal(UrbStatus.DeviceGone, error.Status);
    }

    [Fact]
    public async Task An_imported_device_works_behind_an_ordinary_device_actor()
    {
        var device = Export("1-1", 1, 2);
        var backend = await UsbIpClientBackend.ImportAsync(Endpoint, "1-1", ClientSettings);
        var bridged = Sys.ActorOf(UsbDeviceActor.Props(backend), "bridged");

        bridged.Tell(new UsbDevice.Claim(TestActor), TestActor);
        ExpectMsg<UsbDevice.Claimed>();
        device.EnqueueIn([4, 2]);
        bridged.Tell(new UsbDevice.Submit(1, UrbRequest.BulkIn(1, 64)), TestActor);
        var read = ExpectMsg<UsbDevice.SubmitCompleted>();
        Assert.Equal(new byte[] { 4, 2 }, read.Result.InData.ToArray());

        // SET_CONFIGURATION through the bridged device reaches the real one as the standard request.
        bridged.Tell(new UsbDevice.Submit(2, UrbRequest.Control(SetupPacket.SetConfiguration(1))), TestActor);
        Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>().Result.Status);
        Assert.Equal([1], device.SetConfigurationCalls);

        // Stopping the bridged device closes the imported connection, so the exporter's lease ends.
        Watch(bridged);
        Sys.Stop(bridged);
        ExpectTerminated(bridged);
        await backend.Closed.WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        await AwaitAssertAsync(async () =>
        {
            DeviceActors["1-1"].Tell(UsbDevice.GetInfo.Instance, TestActor);
            Assert.Null(ExpectMsg<UsbDevice.Info>().Holder);
            await Task.CompletedTask;
        }, Dilated(TimeSpan.FromSeconds(3)));
    }
}
