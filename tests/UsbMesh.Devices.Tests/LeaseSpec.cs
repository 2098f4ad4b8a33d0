using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

public sealed class LeaseSpec(ITestOutputHelper output) : DeviceSpec(output)
{
    [Fact]
    public void A_second_claimant_gets_Busy_and_the_holder_may_claim_again()
    {
        var device = CreateDevice();
        var first = CreateTestProbe("first");
        var second = CreateTestProbe("second");

        first.Send(device, new UsbDevice.Claim(first.Ref));
        first.ExpectMsg(new UsbDevice.Claimed(first.Ref));
        second.Send(device, new UsbDevice.Claim(second.Ref));
        second.ExpectMsg(new UsbDevice.Busy(first.Ref));
        first.Send(device, new UsbDevice.Claim(first.Ref));
        first.ExpectMsg(new UsbDevice.Claimed(first.Ref));

        first.Send(device, new UsbDevice.Release(first.Ref));
        first.ExpectMsg(new UsbDevice.Released(first.Ref));
        second.Send(device, new UsbDevice.Claim(second.Ref));
        second.ExpectMsg(new UsbDevice.Claimed(second.Ref));
    }

    [Fact]
    public void Submit_unlink_and_release_from_a_non_holder_are_refused()
    {
        var device = ClaimedDevice();
        var stranger = CreateTestProbe("stranger");

        var submit = BulkOut(1, 1, 2, 3);
        stranger.Send(device, submit);
        stranger.ExpectMsg(new UsbDevice.NotHolder(submit));
        var unlink = new UsbDevice.Unlink(2, 1);
        stranger.Send(device, unlink);
        stranger.ExpectMsg(new UsbDevice.NotHolder(unlink));
        var release = new UsbDevice.Release(stranger.Ref);
        stranger.Send(device, release);
        stranger.ExpectMsg(new UsbDevice.NotHolder(release));

        Assert.Equal(0, Backend.SubmittedCount);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Equal(TestActor, ExpectMsg<UsbDevice.Info>().Holder);
    }

    [Fact]
    public async Task The_holder_dying_frees_the_lease_at_once_and_unlinks_its_urbs()
    {
        var device = CreateDevice();
        var holder = CreateTestProbe("holder");
        var next = CreateTestProbe("next");
        Backend.Hold(LoopbackDevice.BulkIn);
        holder.Send(device, new UsbDevice.Claim(holder.Ref));
        holder.ExpectMsg<UsbDevice.Claimed>();
        holder.Send(device, BulkIn(1));
        holder.Send(device, BulkIn(2));
        var first = await NextPendingAsync();
        var second = await NextPendingAsync();

        Sys.Stop(holder.Ref);

        await WithinAsync(first.UnlinkRequested);
        await WithinAsync(second.UnlinkRequested);
        Assert.False(first.Complete());

        // The unlinks happen after the device ended the lease, so the next claimant is served at once, and may
        // reuse the dead holder's seqnums.
        next.Send(device, new UsbDevice.Claim(next.Ref));
        next.ExpectMsg(new UsbDevice.Claimed(next.Ref));
        next.Send(device, BulkIn(1));
        Assert.True((await NextPendingAsync()).Complete([7, 7]));
        var reply = next.ExpectMsg<UsbDevice.SubmitCompleted>();
        Assert.Equal(1, reply.Seqnum);
        Assert.Equal([7, 7], reply.Result.InData.ToArray());
        next.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Release_unlinks_the_holders_urbs_and_their_completions_are_dropped()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn, honourUnlink: false);
        device.Tell(BulkIn(1), TestActor);
        var pending = await NextPendingAsync();

        device.Tell(new UsbDevice.Release(TestActor), TestActor);
        ExpectMsg(new UsbDevice.Released(TestActor));
        await WithinAsync(pending.UnlinkRequested);
        Assert.True(pending.Complete());

        ExpectNoMsg(Quiet);
    }

    [Fact]
    public void The_backend_hears_of_every_lease_end_so_a_real_device_goes_back_to_its_local_drivers()
    {
        var device = ClaimedDevice();
        Assert.Equal(0, Backend.LeasesEnded);

        device.Tell(new UsbDevice.Release(TestActor), TestActor);
        ExpectMsg(new UsbDevice.Released(TestActor));
        AwaitAssert(() => Assert.Equal(1, Backend.LeasesEnded));

        var holder = CreateTestProbe();
        device.Tell(new UsbDevice.Claim(holder.Ref), holder.Ref);
        holder.ExpectMsg<UsbDevice.Claimed>();
        Sys.Stop(holder.Ref);
        AwaitAssert(() => Assert.Equal(2, Backend.LeasesEnded));
    }
}
