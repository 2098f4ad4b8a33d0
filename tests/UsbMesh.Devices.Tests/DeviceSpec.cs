using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

/// <summary>A <see cref="UsbDeviceActor"/> over a <see cref="LoopbackDevice"/>, with the test actor as lease holder.</summary>
public abstract class DeviceSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    protected LoopbackDevice Backend { get; } = new();

    protected IActorRef CreateDevice(UsbDeviceSettings? settings = null) =>
        Sys.ActorOf(UsbDeviceActor.Props(Backend, settings), "dev-1-1");

    /// <summary>A device leased to the test actor.</summary>
    protected IActorRef ClaimedDevice(UsbDeviceSettings? settings = null)
    {
        var device = CreateDevice(settings);
        device.Tell(new UsbDevice.Claim(TestActor), TestActor);
        ExpectMsg<UsbDevice.Claimed>();
        return device;
    }

    protected async Task<LoopbackDevice.PendingTransfer> NextPendingAsync()
    {
        using var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5)));
        return await Backend.NextPendingAsync(timeout.Token);
    }

    protected static async Task WithinAsync(Task task)
    {
        var limit = Dilated(TimeSpan.FromSeconds(5));
        await task.WaitAsync(limit);
    }

    protected UsbDevice.SubmitCompleted ExpectCompleted(long seqnum, UrbStatus status = UrbStatus.Completed)
    {
        var reply = ExpectMsg<UsbDevice.SubmitCompleted>();
        Assert.Equal(seqnum, reply.Seqnum);
        Assert.Equal(status, reply.Result.Status);
        return reply;
    }

    protected void ExpectUnlinked(long unlinkSeqnum, int status) =>
        Assert.Equal(new UsbDevice.UnlinkCompleted(unlinkSeqnum, status), ExpectMsg<UsbDevice.UnlinkCompleted>());

    protected static UsbDevice.Submit BulkIn(long seqnum, int length = 16) => new(seqnum, UrbRequest.BulkIn(1, length));

    protected static UsbDevice.Submit BulkOut(long seqnum, params byte[] data) => new(seqnum, UrbRequest.BulkOut(1, data));

    protected static UsbDevice.Submit InterruptIn(long seqnum) => new(seqnum, UrbRequest.InterruptIn(2, 8, 4));

    protected static UsbDevice.Submit Control(long seqnum, SetupPacket setup) => new(seqnum, UrbRequest.Control(setup));
}
