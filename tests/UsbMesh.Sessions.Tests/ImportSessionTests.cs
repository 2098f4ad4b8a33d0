using System.Buffers.Binary;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Membership;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Sessions.Tests;

/// <summary>A device of the hub used on the desk through a session over the in-memory network: transfers both ways,
/// writes that survive cuts exactly once, a cut longer than the grace period, refusal, and the lease on release.</summary>
public sealed class ImportSessionTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly SessionSettings Settings = SessionSettings.Default with { GracePeriod = TimeSpan.FromSeconds(6), HandshakeTimeout = TimeSpan.FromSeconds(5) };
    private SessionNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await SessionNodes.StartAsync(Sys, Settings);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task An_imported_device_answers_control_bulk_and_interrupt_transfers_like_a_local_one()
    {
        var opened = await OpenAsync();
        Assert.Equal(UsbSpeed.High, opened.Info.Speed);
        await ClaimAsync(opened.Device);

        var descriptor = Submit(opened.Device, 1, UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18)));
        Assert.Equal(UrbStatus.Completed, descriptor.Result.Status);
        Assert.Equal(opened.Info.Device.ToBytes(), descriptor.Result.InData.ToArray());

        Assert.Equal(UrbStatus.Completed, Submit(opened.Device, 2, UrbRequest.BulkOut(1, new byte[] { 1, 2, 3 })).Result.Status);
        var read = Submit(opened.Device, 3, UrbRequest.BulkIn(1, 512));
        Assert.Equal(512, read.Result.ActualLength);
        Assert.Equal(UrbStatus.Completed, Submit(opened.Device, 4, UrbRequest.InterruptIn(2, 8, 1)).Result.Status);
        Assert.Equal([1, 2, 3], Assert.Single(_nodes.Loopback.Received));
    }

    [Fact]
    public async Task Writes_in_flight_across_repeated_cuts_arrive_once_each_and_in_order()
    {
        var opened = await OpenAsync();
        await ClaimAsync(opened.Device);
        const int count = 600;
        var completed = 0;
        for (var i = 1; i <= count; i++)
        {
            var data = new byte[4096];
            BinaryPrimitives.WriteInt32BigEndian(data, i);
            opened.Device.Tell(new UsbDevice.Submit(i, UrbRequest.BulkOut(1, data)), TestActor);
            if (i % 100 == 0)
            {
                // A reset of the link with writes on the wire both ways; the session resumes on the next connection.
                _nodes.Cut();
            }

            // Never more than 32 in flight, as a host keeps its queue.
            while (i - completed >= 32)
            {
                Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
                completed++;
            }
        }

        while (completed < count)
        {
            Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
            completed++;
        }

        var received = _nodes.Loopback.Received.Select(b => BinaryPrimitives.ReadInt32BigEndian(b)).ToList();
        Assert.Equal(Enumerable.Range(1, count), received);
    }

    [Fact]
    public async Task A_cut_shorter_than_the_grace_period_delays_a_transfer_and_a_longer_one_ends_the_import_and_frees_the_lease()
    {
        var opened = await OpenAsync();
        await ClaimAsync(opened.Device);
        Watch(opened.Device);

        _nodes.Partition();
        opened.Device.Tell(new UsbDevice.Submit(1, UrbRequest.BulkOut(1, new byte[] { 7 })), TestActor);
        ExpectNoMsg(TimeSpan.FromSeconds(1));
        _nodes.Heal();
        Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);

        _nodes.Partition();
        opened.Device.Tell(new UsbDevice.Submit(2, UrbRequest.BulkIn(1, 64)), TestActor);
        var gone = ExpectMsg<UsbDevice.SubmitCompleted>(Bound);
        Assert.Equal(UrbStatus.DeviceGone, gone.Result.Status);
        Assert.Contains("grace period", ExpectMsg<UsbDevice.Gone>(Bound).Reason, StringComparison.Ordinal);
        ExpectTerminated(opened.Device, Bound);

        // The hub's session waited out the same grace period and let go of the device.
        
        await AwaitAssertAsync(async () => Assert.IsType<UsbDevice.Claimed>(await _nodes.HubDevice.Ask(new UsbDevice.Claim(_nodes.HubSessions), Bound)), Bound);
    }

    [Fact]
    public async Task Releasing_the_import_frees_the_lease_at_once_and_a_device_not_shared_is_refused_with_the_reason()
    {
        var opened = await OpenAsync();
        await ClaimAsync(opened.Device);
        Watch(opened.Device);
        opened.Device.Tell(new UsbDevice.Release(TestActor), TestActor);
        ExpectMsg<UsbDevice.Released>(Bound);
        ExpectTerminated(opened.Device, Bound);

        
        await AwaitAssertAsync(async () => Assert.IsType<UsbDevice.Claimed>(await _nodes.HubDevice.Ask(new UsbDevice.Claim(_nodes.HubSessions), TimeSpan.FromSeconds(1))), TimeSpan.FromSeconds(Settings.GracePeriod.TotalSeconds - 1));

        var refused = await _nodes.Imports.Ask(new Imports.Open(_nodes.HubId, "9-9"), Bound);
        Assert.Contains("no device 9-9 is shared with this node", Assert.IsType<Imports.OpenFailed>(refused).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verdict_that_the_importer_is_down_frees_its_lease_within_three_seconds()
    {
        var opened = await OpenAsync();
        await ClaimAsync(opened.Device);
        Assert.IsType<UsbDevice.Busy>(await _nodes.HubDevice.Ask(new UsbDevice.Claim(_nodes.HubSessions), Bound));

        // The failure detector's verdict on the hub, as membership publishes it; the link itself is still up.
        var verdict = System.Diagnostics.Stopwatch.StartNew();
        _nodes.HubSystem.EventStream.Publish(new MemberDowned(new Member(_nodes.Desk.SelfNode, "desk", [], false, 0, MemberStatus.Down)));

        await AwaitAssertAsync(async () => Assert.IsType<UsbDevice.Claimed>(await _nodes.HubDevice.Ask(new UsbDevice.Claim(_nodes.HubSessions), Bound)), TimeSpan.FromSeconds(3));
        Assert.True(verdict.Elapsed < TimeSpan.FromSeconds(3), $"the lease was freed {verdict.Elapsed.TotalSeconds:0.0} s after the verdict");
    }

    private async Task<Imports.Opened> OpenAsync() =>
        await _nodes.Imports.Ask(new Imports.Open(_nodes.HubId, SessionNodes.BusId), Bound) switch
        {
            Imports.Opened opened => opened,
            var other => throw new Xunit.Sdk.XunitException($"the import did not open: {other}"),
        };

    private async Task ClaimAsync(IActorRef device) =>
        Assert.IsType<UsbDevice.Claimed>(await device.Ask(new UsbDevice.Claim(TestActor), Bound));

    private UsbDevice.SubmitCompleted Submit(IActorRef device, long seqnum, UrbRequest request)
    {
        device.Tell(new UsbDevice.Submit(seqnum, request), TestActor);
        var completed = ExpectMsg<UsbDevice.SubmitCompleted>(Bound);
        Assert.Equal(seqnum, completed.Seqnum);
        return completed;
    }
}
