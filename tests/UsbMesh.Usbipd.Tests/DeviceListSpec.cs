using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

public sealed class DeviceListSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    [Fact]
    public async Task Lists_exactly_the_exported_devices_with_ids_class_speed_and_interfaces()
    {
        Export("1-1", 1, 2);
        Export("2-3", 2, 5, UsbSpeed.Full);
        var unexported = Sys.ActorOf(UsbDeviceActor.Props(new LoopbackDevice()), "not-exported");

        await using var client = await ConnectAsync();
        var reply = await client.ListAsync();

        Assert.Equal(0u, reply.Status);
        Assert.Equal(["1-1", "2-3"], reply.Devices.Select(d => d.Device.BusId));
        var first = reply.Devices[0];
        Assert.Equal("/sys/devices/platform/usbmesh/1-1", first.Device.Path);
        Assert.Equal((1u, 2u), (first.Device.BusNum, first.Device.DevNum));
        Assert.Equal((ushort)0x1209, first.Device.IdVendor);
        Assert.Equal((ushort)0x0001, first.Device.IdProduct);
        Assert.Equal((ushort)0x0100, first.Device.BcdDevice);
        Assert.Equal(UsbClassCodes.VendorSpecific, first.Device.DeviceClass);
        Assert.Equal((uint)UsbSpeed.High, first.Device.Speed);
        Assert.Equal(1, first.Device.ConfigurationValue);
        Assert.Equal(1, first.Device.NumConfigurations);
        Assert.Equal(1, first.Device.NumInterfaces);
        Assert.Equal([new UsbIpInterface(UsbClassCodes.VendorSpecific, 0, 0)], first.Interfaces.ToArray());
        Assert.Equal((uint)UsbSpeed.Full, reply.Devices[1].Device.Speed);

        // usbipd closes the connection after the list.
        Assert.True(await client.WaitClosedAsync());
    }

    [Fact]
    public async Task A_device_that_stops_or_is_unregistered_is_no_longer_listed()
    {
        Export("1-1", 1, 2);
        Export("1-2", 1, 3);
        Export("1-3", 1, 4);
        Watch(DeviceActors["1-1"]);
        Sys.Stop(DeviceActors["1-1"]);
        ExpectTerminated(DeviceActors["1-1"]);
        Exports.Tell(new Exports.Unregister("1-3"), TestActor);
        ExpectMsg<Exports.Unregistered>();

        await AwaitAssertAsync(async () =>
        {
            await using var client = await ConnectAsync();
            var reply = await client.ListAsync();
            Assert.Equal(["1-2"], reply.Devices.Select(d => d.Device.BusId));
        });
    }

    [Fact]
    public void An_invalid_bus_id_is_rejected()
    {
        var device = Sys.ActorOf(UsbDeviceActor.Props(new LoopbackDevice()), "dev");
        Exports.Tell(new Exports.Register(new ExportedDevice(new string('x', 40), "/p", 1, 1, device)), TestActor);
        ExpectMsg<Exports.Rejected>();
    }
}
