using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Gadgets.Hid;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Gadgets.Tests.MassStorage;
using UsbMesh.Usb;
using Xunit.Abstractions;

namespace UsbMesh.Gadgets.Tests.Backends;

/// <summary>Gadgets behind <see cref="UsbDeviceActor"/>, driven as a USB/IP client session drives a device.</summary>
public sealed class GadgetActorSpec(ITestOutputHelper output) : TestKit.TestKit(output), IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-actor-").FullName;
    private long _seqnum;

    void IDisposable.Dispose()
    {
        Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_mass_storage_gadget_enumerates_configures_and_reads_through_the_device_actor()
    {
        var path = Path.Combine(_directory, "disk.img");
        File.WriteAllBytes(path, Scsi.Pattern(16 * 512, 3));
        var gadget = MassStorageGadget.Open(new MassStorageSettings("disk", path, 0));
        var device = Claimed(gadget);

        // Enumeration as the Linux hub driver does it.
        Assert.Equal(18, Submit(device, UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 64))).ActualLength);
        var header = Submit(device, UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Configuration, 0, 0, 9)));
        Assert.Equal(9, header.ActualLength);
        var total = (ushort)(header.InData.Span[2] | (header.InData.Span[3] << 8));
        var configuration = ConfigurationDescriptor.Parse(
            Submit(device, UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.Configuration, 0, 0, total))).InData.Span);
        Assert.Equal(UsbClassCodes.MassStorage, Assert.Single(configuration.Interfaces).InterfaceClass);
        var serial = Submit(device, UrbRequest.Control(SetupPacket.GetDescriptor(DescriptorTypes.String, 3, 0x0409, 255)));
        Assert.Equal(GadgetIdentity.SerialFor("disk"), StringDescriptor.Parse(serial.InData.Span).Text);

        // SET_CONFIGURATION is carried out by the device layer through SetConfigurationAsync.
        Submit(device, UrbRequest.Control(SetupPacket.SetConfiguration(0)));
        Assert.Equal(0, gadget.ActiveConfigurationValue);
        Submit(device, UrbRequest.Control(SetupPacket.SetConfiguration(1)));
        Assert.Equal(1, gadget.ActiveConfigurationValue);

        // READ(10) of block 2 over bulk URBs; the IN URBs are submitted before the CBW, as usb-storage may.
        // The endpoints are separate pipes: the CBW's completion and the data's may come in either order.
        var data = Tell(device, UrbRequest.BulkIn(1, 512));
        var status = Tell(device, UrbRequest.BulkIn(1, 13));
        var command = Tell(device, UrbRequest.BulkOut(2, HostSide.Cbw(7, 512, true, Scsi.Read10(2, 1))));
        var replies = Enumerable.Range(0, 3).Select(_ => ExpectMsg<UsbDevice.SubmitCompleted>()).ToDictionary(r => r.Seqnum);
        Assert.Equal(UrbStatus.Completed, replies[command].Result.Status);
        Assert.Equal(Scsi.Pattern(16 * 512, 3).AsSpan(1024, 512).ToArray(), replies[data].Result.InData.ToArray());
        Assert.Equal(new CommandStatusWrapper(7, 0, CommandStatus.Passed), HostSide.ParseCsw(replies[status].Result));

        // A stall, seen by the device actor as a halted endpoint, cleared with CLEAR_FEATURE(ENDPOINT_HALT).
        Submit(device, UrbRequest.BulkOut(2, HostSide.Cbw(8, 64, true, [0x12, 0, 0, 0, 36, 0])));
        Assert.Equal(36, Submit(device, UrbRequest.BulkIn(1, 64)).ActualLength);
        Assert.Equal(UrbStatus.Stall, Submit(device, UrbRequest.BulkIn(1, 13), UrbStatus.Stall).Status);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Contains((byte)0x81, ExpectMsg<UsbDevice.Info>().HaltedEndpoints);
        Submit(device, UrbRequest.Control(SetupPacket.ClearEndpointHalt(0x81)));
        Assert.Equal(new CommandStatusWrapper(8, 28, CommandStatus.Passed), HostSide.ParseCsw(Submit(device, UrbRequest.BulkIn(1, 13))));
    }

    [Fact]
    public void A_waiting_keyboard_urb_unlinked_through_the_device_actor_completes_unlinked()
    {
        var keyboard = new KeyboardGadget();
        var device = Claimed(keyboard);

        var first = Tell(device, UrbRequest.InterruptIn(1, 8, 10));
        var unlinkSeqnum = ++_seqnum;
        device.Tell(new UsbDevice.Unlink(unlinkSeqnum, first), TestActor);
        Assert.Equal(new UsbDevice.UnlinkCompleted(unlinkSeqnum, -LinuxErrno.ECONNRESET), ExpectMsg<UsbDevice.UnlinkCompleted>());

        var second = Tell(device, UrbRequest.InterruptIn(1, 8, 10));
        keyboard.Type("q");
        var press = ExpectMsg<UsbDevice.SubmitCompleted>();
        Assert.Equal(second, press.Seqnum);
        Assert.Equal(new BootKeyboardReport(KeyModifiers.None, 0x14).ToArray(), press.Result.InData.ToArray());
    }

    private IActorRef Claimed(IUsbDeviceBackend backend)
    {
        var device = Sys.ActorOf(UsbDeviceActor.Props(backend), "gadget");
        device.Tell(new UsbDevice.Claim(TestActor), TestActor);
        ExpectMsg<UsbDevice.Claimed>();
        return device;
    }

    private long Tell(IActorRef device, UrbRequest request)
    {
        var seqnum = ++_seqnum;
        device.Tell(new UsbDevice.Submit(seqnum, request), TestActor);
        return seqnum;
    }

    private UrbResult Submit(IActorRef device, UrbRequest request, UrbStatus expected = UrbStatus.Completed)
    {
        var seqnum = Tell(device, request);
        var reply = ExpectMsg<UsbDevice.SubmitCompleted>();
        Assert.Equal(seqnum, reply.Seqnum);
        Assert.Equal(expected, reply.Result.Status);
        return reply.Result;
    }
}
