using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

/// <summary>The unlink rules of DESIGN §3: after -ECONNRESET never a submit reply; a URB that completed first gets its submit reply, then 0.</summary>
public sealed class UnlinkSpec(ITestOutputHelper output) : DeviceSpec(output)
{
    [Fact]
    public async Task An_unlink_that_wins_answers_ECONNRESET_and_never_a_submit_reply()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        var pending = await NextPendingAsync();

        device.Tell(new UsbDevice.Unlink(10, 1), TestActor);

        ExpectUnlinked(10, -LinuxErrno.ECONNRESET);
        Assert.False(pending.Complete());
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task A_won_unlink_does_not_hold_back_later_urbs()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        device.Tell(BulkIn(2), TestActor);
        await NextPendingAsync();
        var second = await NextPendingAsync();
        Assert.True(second.Complete());

        device.Tell(new UsbDevice.Unlink(10, 1), TestActor);

        ExpectUnlinked(10, -LinuxErrno.ECONNRESET);
        ExpectCompleted(2);
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task An_unlink_that_loses_at_the_backend_comes_after_the_submit_reply_with_status_0()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn, honourUnlink: false);
        device.Tell(BulkIn(1), TestActor);
        var pending = await NextPendingAsync();

        device.Tell(new UsbDevice.Unlink(10, 1), TestActor);
        await WithinAsync(pending.UnlinkRequested);
        ExpectNoMsg(Quiet);
        Assert.True(pending.Complete([5]));

        Assert.Equal([5], ExpectCompleted(1).Result.InData.ToArray());
        ExpectUnlinked(10, 0);
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Unlinking_a_completion_held_for_order_answers_it_first_then_0()
    {
        var device = ClaimedDevice();
        Backend.Hold(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        device.Tell(BulkIn(2), TestActor);
        var first = await NextPendingAsync();
        var second = await NextPendingAsync();
        Assert.True(second.Complete([2]));

        // Whether the pipe sees the completion or the unlink first, URB 2 did complete: the unlink loses.
        device.Tell(new UsbDevice.Unlink(10, 2), TestActor);
        ExpectNoMsg(Quiet);
        Assert.True(first.Complete([1]));

        ExpectCompleted(1);
        Assert.Equal([2], ExpectCompleted(2).Result.InData.ToArray());
        ExpectUnlinked(10, 0);
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Unlinking_an_answered_or_unknown_seqnum_answers_0_and_nothing_else()
    {
        var device = ClaimedDevice();
        device.Tell(BulkOut(1, 1), TestActor);
        ExpectCompleted(1);

        device.Tell(new UsbDevice.Unlink(10, 1), TestActor);
        ExpectUnlinked(10, 0);
        device.Tell(new UsbDevice.Unlink(11, 999), TestActor);
        ExpectUnlinked(11, 0);
        ExpectNoMsg(Quiet);
    }
}
