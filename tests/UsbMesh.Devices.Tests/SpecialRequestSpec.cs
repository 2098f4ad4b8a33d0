using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

/// <summary>SET_CONFIGURATION, SET_INTERFACE, CLEAR_FEATURE(ENDPOINT_HALT) and port reset are carried out through the backend, answered 0, never forwarded.</summary>
public sealed class SpecialRequestSpec(ITestOutputHelper output) : DeviceSpec(output)
{
    [Fact]
    public void Special_requests_go_through_the_backend_and_are_answered_with_status_0()
    {
        var device = ClaimedDevice();

        device.Tell(Control(1, SetupPacket.SetConfiguration(1)), TestActor);
        Assert.Equal(0, ExpectCompleted(1).Result.LinuxStatus);
        device.Tell(Control(2, SetupPacket.SetInterface(0, 1)), TestActor);
        ExpectCompleted(2);
        device.Tell(Control(3, SetupPacket.ClearEndpointHalt(LoopbackDevice.BulkIn)), TestActor);
        ExpectCompleted(3);
        device.Tell(Control(4, new SetupPacket(StandardRequests.PortRequestType, (byte)StandardRequest.SetFeature, StandardRequests.PortFeatureReset, 1, 0)), TestActor);
        ExpectCompleted(4);

        Assert.Equal([(byte)1], Backend.SetConfigurationCalls);
        Assert.Equal([((byte)0, (byte)1)], Backend.SetInterfaceCalls);
        Assert.Equal([LoopbackDevice.BulkIn], Backend.ClearHaltCalls);
        Assert.Equal(1, Backend.ResetCount);
        Assert.Equal(0, Backend.SubmittedCount);
        Assert.Empty(Backend.ControlRequests);
    }

    [Fact]
    public void Other_control_requests_reach_the_device()
    {
        var device = ClaimedDevice();

        device.Tell(Control(1, SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18)), TestActor);
        var descriptor = ExpectCompleted(1).Result;
        Assert.Equal(Backend.Device, DeviceDescriptor.Parse(descriptor.InData.Span));

        var vendor = new SetupPacket(0x40, 0x01, 0x1234, 0, 0);
        device.Tell(Control(2, vendor), TestActor);
        ExpectCompleted(2);
        Assert.Equal([vendor], Backend.ControlRequests);
        Assert.Equal(2, Backend.SubmittedCount);
    }

    [Fact]
    public void A_stall_halts_the_endpoint_until_CLEAR_FEATURE_clears_it()
    {
        var device = ClaimedDevice();
        Backend.StallEndpoint(LoopbackDevice.BulkIn);

        device.Tell(BulkIn(1), TestActor);
        Assert.Equal(-LinuxErrno.EPIPE, ExpectCompleted(1, UrbStatus.Stall).Result.LinuxStatus);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Equal([LoopbackDevice.BulkIn], ExpectMsg<UsbDevice.Info>().HaltedEndpoints);
        device.Tell(BulkIn(2), TestActor);
        ExpectCompleted(2, UrbStatus.Stall);

        device.Tell(Control(3, SetupPacket.ClearEndpointHalt(LoopbackDevice.BulkIn)), TestActor);
        ExpectCompleted(3);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Empty(ExpectMsg<UsbDevice.Info>().HaltedEndpoints);
        Assert.Equal([LoopbackDevice.BulkIn], Backend.ClearHaltCalls);

        device.Tell(BulkIn(4), TestActor);
        ExpectCompleted(4);
    }

    [Fact]
    public void SET_CONFIGURATION_and_SET_INTERFACE_clear_halted_endpoints()
    {
        var device = ClaimedDevice();
        Backend.StallEndpoint(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(1), TestActor);
        ExpectCompleted(1, UrbStatus.Stall);

        device.Tell(Control(2, SetupPacket.SetInterface(0, 0)), TestActor);
        ExpectCompleted(2);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Empty(ExpectMsg<UsbDevice.Info>().HaltedEndpoints);

        Backend.StallEndpoint(LoopbackDevice.BulkIn);
        device.Tell(BulkIn(3), TestActor);
        ExpectCompleted(3, UrbStatus.Stall);
        device.Tell(Control(4, SetupPacket.SetConfiguration(1)), TestActor);
        ExpectCompleted(4);
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);
        Assert.Empty(ExpectMsg<UsbDevice.Info>().HaltedEndpoints);
        device.Tell(BulkIn(5), TestActor);
        ExpectCompleted(5);
    }

    [Fact]
    public void Info_describes_the_device()
    {
        var device = CreateDevice();
        device.Tell(UsbDevice.GetInfo.Instance, TestActor);

        var info = ExpectMsg<UsbDevice.Info>();
        Assert.Equal(Backend.Device, info.Device);
        Assert.Equal(UsbSpeed.High, info.Speed);
        Assert.Equal(1, info.ActiveConfigurationValue);
        Assert.Equal(3, info.ActiveConfiguration!.Interfaces[0].Endpoints.Count);
        Assert.Null(info.Holder);
    }
}
