using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Announcements;
using UsbMesh.Usb;
using UsbMesh.Usbipd;
using Xunit.Abstractions;

namespace UsbMesh.Sessions.Tests;

/// <summary>The desk's usbipd endpoint offers the hub's device as <c>hub:1-1</c>, described from its announcement,
/// and imports it only when a client claims it.</summary>
public sealed class MeshExportsTests(ITestOutputHelper output) : TestKit.TestKit(output), IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private SessionNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await SessionNodes.StartAsync(Sys, SessionSettings.Default);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_device_of_the_mesh_is_listed_by_announcement_and_imported_when_claimed()
    {
        var (exports, offered) = await OfferHubsDeviceAsync();
        Assert.Empty(offered.SharedWith);
        var before = await offered.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, Bound);
        Assert.Equal((ushort)0x1209, before.Device.VendorId);
        Assert.Empty(before.Configurations);
        Assert.Empty(_nodes.Loopback.Received);

        Assert.IsType<UsbDevice.Claimed>(await offered.Device.Ask(new UsbDevice.Claim(TestActor), Bound));
        var after = await offered.Device.Ask<UsbDevice.Info>(UsbDevice.GetInfo.Instance, Bound);
        Assert.NotEmpty(after.Configurations);
        offered.Device.Tell(new UsbDevice.Submit(1, UrbRequest.BulkOut(1, new byte[] { 9, 8, 7 })), TestActor);
        Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
        Assert.Equal([9, 8, 7], Assert.Single(_nodes.Loopback.Received));

        // When the mesh stops showing it, it is no longer offered.
        Sys.EventStream.Publish(new MeshDirectory.VisibleChanged([]));
        await AwaitAssertAsync(async () => Assert.Empty((await exports.Ask<Exports.Devices>(Exports.List.Instance, Bound)).Items), Bound);
    }

    [Fact]
    public async Task A_client_that_claims_while_the_last_holders_import_is_ending_gets_a_working_import()
    {
        var (_, offered) = await OfferHubsDeviceAsync();

        // A client detaches (its connection actor stops) and another attaches at once, as `usbip detach` then
        // `usbip attach` do: the second claim meets the first import while it ends.
        var first = CreateTestProbe();
        Assert.IsType<UsbDevice.Claimed>(await offered.Device.Ask(new UsbDevice.Claim(first.Ref), Bound));
        Watch(first.Ref);
        Sys.Stop(first.Ref);
        ExpectTerminated(first.Ref, Bound);
        object answer;
        do
        {
            // Until the proxy has heard of the first holder's end, the import still names it the holder.
            answer = await offered.Device.Ask(new UsbDevice.Claim(TestActor), Bound);
        }
        while (answer is UsbDevice.Busy { CurrentHolder: var holder } && holder.Equals(first.Ref));

        Assert.IsType<UsbDevice.Claimed>(answer);
        offered.Device.Tell(new UsbDevice.Submit(1, UrbRequest.BulkOut(1, new byte[] { 4, 5, 6 })), TestActor);
        Assert.Equal(UrbStatus.Completed, ExpectMsg<UsbDevice.SubmitCompleted>(Bound).Result.Status);
    }

    /// <summary>The desk's exports with the hub's device shown by the mesh, and that device as they offer it.</summary>
    private async Task<(IActorRef Exports, Usbipd.ExportedDevice Offered)> OfferHubsDeviceAsync()
    {
        var exports = Sys.ActorOf(ExportsActor.Props());
        var directory = CreateTestProbe();
        var announced = new AnnouncedDevice(SessionNodes.BusId, 0x1209, 0x0001, 0xff, "high", null, "Loopback", null, []);
        Sys.ActorOf(MeshExportsActor.Props(directory.Ref, exports, _nodes.Imports));
        directory.ExpectMsg<MeshDirectory.GetVisible>(Bound);
        directory.Reply(new MeshDirectory.Visible([new VisibleDevice(_nodes.HubId, "hub", "hub", announced)]));
        return (exports, await AwaitOfferedAsync(exports, "hub:1-1"));
    }

    private async Task<Usbipd.ExportedDevice> AwaitOfferedAsync(IActorRef exports, string busId)
    {
        Usbipd.ExportedDevice? found = null;
        await AwaitAssertAsync(async () =>
        {
            found = (await exports.Ask<Exports.Devices>(Exports.List.Instance, Bound)).Items.SingleOrDefault(d => d.BusId == busId);
            Assert.NotNull(found);
        }, Bound);
        return found!;
    }
}
