using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

public sealed class OrderingSpec(ITestOutputHelper output) : DeviceSpec(output)
{
    [Fact]
    public async Task Many_urbs_in_flight_on_one_endpoint_are_answered_in_submission_order()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        for (var seqnum = 1; seqnum <= 4; seqnum++)
        {
            device.Tell(BulkIn(seqnum), TestActor);
        }

        // All four reach the backend at once: nothing waits for an earlier completion.
        var pending = new List<LoopbackDevice.PendingTransfer>();
        for (var i = 0; i < 4; i++)
        {
            pending.Add(await NextPendingAsync());
        }

        Assert.True(pending[3].Complete([4]));
        Assert.True(pending[1].Complete([2]));
        Assert.True(pending[2].Complete([3]));
        ExpectNoMsg(Quiet);

        Assert.True(pending[0].Complete([1]));
        for (var seqnum = 1; seqnum <= 4; seqnum++)
        {
            Assert.Equal([(byte)seqnum], ExpectCompleted(seqnum).Result.InData.ToArray());
        }

        ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Endpoints_interleave_freely()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        Backend.Hold(LoopbackDevice.InterruptIn);
        device.Tell(BulkIn(1), TestActor);
        var bulk = await NextPendingAsync();
        device.Tell(InterruptIn(2), TestActor);
        var interrupt = await NextPendingAsync();

        // The interrupt and bulk OUT endpoints do not wait for the bulk IN URB submitted before them.
        Assert.True(interrupt.Complete([0x42]));
        Assert.Equal([0x42], ExpectCompleted(2).Result.InData.ToArray());
        device.Tell(BulkOut(3, 9, 8, 7), TestActor);
        Assert.Equal(3, ExpectCompleted(3).Result.ActualLength);
        Assert.Equal([9, 8, 7], Assert.Single(Backend.Received));

        Assert.True(bulk.Complete([1]));
        ExpectCompleted(1);
    }

    [Fact]
    public async Task The_bound_on_urbs_per_endpoint_refuses_the_excess_with_EPROTO_in_order()
    {
        var device = ClaimedDevice(new UsbDeviceSettings(MaxUrbsPerEndpoint: 2));
        Backend.Hold(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        device.Tell(BulkIn(2), TestActor);
        device.Tell(BulkIn(3), TestActor);
        var first = await NextPendingAsync();
        var second = await NextPendingAsync();
        ExpectNoMsg(Quiet);
        Assert.Equal(2, Backend.SubmittedCount);

        Assert.True(second.Complete());
        Assert.True(first.Complete());
        ExpectCompleted(1);
        ExpectCompleted(2);
        Assert.Equal(-LinuxErrno.EPROTO, ExpectCompleted(3, UrbStatus.Other).Result.LinuxStatus);

        // Room again once answered.
        device.Tell(BulkIn(4), TestActor);
        Assert.True((await NextPendingAsync()).Complete());
        ExpectCompleted(4);
    }

    [Fact]
    public async Task The_device_going_away_completes_pending_urbs_with_ESHUTDOWN()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        device.Tell(BulkIn(2), TestActor);
        await NextPendingAsync();
        await NextPendingAsync();

        Backend.Unplug();

        Assert.Equal(-LinuxErrno.ESHUTDOWN, ExpectCompleted(1, UrbStatus.DeviceGone).Result.LinuxStatus);
        ExpectCompleted(2, UrbStatus.DeviceGone);
        device.Tell(BulkOut(3, 1), TestActor);
        ExpectCompleted(3, UrbStatus.DeviceGone);
    }

    [Fact]
    public async Task Stopping_the_device_answers_waiting_urbs_and_disposes_the_backend()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        Backend.Hold(LoopbackDevice.InterruptIn);
        device.Tell(BulkIn(1), TestActor);
        device.Tell(BulkIn(2), TestActor);
        var first = await NextPendingAsync();
        var second = await NextPendingAsync();
        device.Tell(InterruptIn(3), TestActor);
        await NextPendingAsync();
        Assert.True(second.Complete([2]));
        Watch(device);

        Sys.Stop(device);

        // Every URB the holder waits for is answered, per endpoint in order. URB 2 completed at the backend, but the
        // stop (a system message) may overtake its completion: then it is answered as gone too; both are correct.
        var replies = ReceiveN(3).Cast<UsbDevice.SubmitCompleted>().ToList();
        Assert.Equal([1, 2], replies.Where(r => r.Seqnum != 3).Select(r => r.Seqnum));
        Assert.Equal(UrbStatus.DeviceGone, replies.Single(r => r.Seqnum == 1).Result.Status);
        Assert.Contains(replies.Single(r => r.Seqnum == 2).Result.Status, new[] { UrbStatus.Completed, UrbStatus.DeviceGone });
        Assert.Equal(UrbStatus.DeviceGone, replies.Single(r => r.Seqnum == 3).Result.Status);
        ExpectTerminated(device);
        await WithinAsync(first.UnlinkRequested);
        AwaitCondition(() => Backend.IsGone);
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Pipes_are_named_by_endpoint_address()
    {
        Assert.Equal("ep-00", EndpointPipeActor.NameFor(UsbDeviceActor.PipeAddressFor(UrbRequest.Control(SetupPacket.GetDescriptor(1, 0, 0, 18)))));
        Assert.Equal("ep-81", EndpointPipeActor.NameFor(UsbDeviceActor.PipeAddressFor(UrbRequest.BulkIn(1, 8))));
        Assert.Equal("ep-02", EndpointPipeActor.NameFor(UsbDeviceActor.PipeAddressFor(UrbRequest.BulkOut(2, new byte[1]))));
    }
}
