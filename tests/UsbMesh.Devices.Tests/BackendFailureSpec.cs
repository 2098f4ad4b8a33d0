using Xunit.Abstractions;

namespace UsbMesh.Devices.Tests;

/// <summary>A backend that throws instead of reporting a status still yields exactly one answer per URB.</summary>
public sealed class BackendFailureSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    [Fact]
    public void Transfer_and_special_request_failures_become_statuses()
    {
        var device = Sys.ActorOf(UsbDeviceActor.Props(new ThrowingBackend()));
        device.Tell(new UsbDevice.Claim(TestActor), TestActor);
        ExpectMsg<UsbDevice.Claimed>();

        device.Tell(new UsbDevice.Submit(1, UrbRequest.BulkIn(1, 8)), TestActor);
        Assert.Equal(-LinuxErrno.EPROTO, ExpectMsg<UsbDevice.SubmitCompleted>(m => m.Seqnum == 1).Result.LinuxStatus);
        device.Tell(new UsbDevice.Submit(2, UrbRequest.BulkOut(2, new byte[4])), TestActor);
        Assert.Equal(-LinuxErrno.ESHUTDOWN, ExpectMsg<UsbDevice.SubmitCompleted>(m => m.Seqnum == 2).Result.LinuxStatus);
        device.Tell(new UsbDevice.Submit(3, UrbRequest.Control(SetupPacket.SetConfiguration(1))), TestActor);
        Assert.Equal(-LinuxErrno.EPIPE, ExpectMsg<UsbDevice.SubmitCompleted>(m => m.Seqnum == 3).Result.LinuxStatus);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>IN transfers throw synchronously, OUT transfers fault with a <see cref="UsbBackendException"/>, SET_CONFIGURATION fails.</summary>
    private sealed class ThrowingBackend : IUsbDeviceBackend
    {
        private readonly LoopbackDevice _descriptors = new();

        public DeviceDescriptor Device => _descriptors.Device;

        public IReadOnlyList<ConfigurationDescriptor> Configurations => _descriptors.Configurations;

        public UsbSpeed Speed => UsbSpeed.Full;

        public byte ActiveConfigurationValue => 1;

        public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink) =>
            request.Direction == UsbDirection.In
                ? throw new InvalidOperationException("broken")
                : Task.FromException<UrbResult>(new UsbBackendException(UrbStatus.DeviceGone, "gone"));

        public Task SetConfigurationAsync(byte value) => Task.FromException(new InvalidOperationException("refused"));

        public Task SetInterfaceAsync(byte interfaceNumber, byte alternate) => Task.CompletedTask;

        public Task ClearHaltAsync(byte endpointAddress) => Task.CompletedTask;

        public Task ResetAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => _descriptors.DisposeAsync();
    }
}
