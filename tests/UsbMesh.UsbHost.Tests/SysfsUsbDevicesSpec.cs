namespace UsbMesh.UsbHost.Tests;

public sealed class SysfsUsbDevicesSpec : IDisposable
{
    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    [Fact]
    public void Strings_interface_classes_and_the_real_path_come_from_sysfs()
    {
        var device = _sys.Device("pci0000:00/0000:00:05.0/usb1/1-1");
        _sys.Link("bus/usb/devices/1-1", device);
        _sys.WriteFile("devices/pci0000:00/0000:00:05.0/usb1/1-1/serial", "314159-0000:00:05.0-1\n");
        _sys.WriteFile("devices/pci0000:00/0000:00:05.0/usb1/1-1/product", "QEMU USB HARDDRIVE\n");
        foreach (var (name, code) in new[] { ("1-1:1.0", "08"), ("1-1:1.1", "ff") })
        {
            var iface = _sys.Device($"pci0000:00/0000:00:05.0/usb1/1-1/{name}");
            _sys.Link($"bus/usb/devices/{name}", iface);
            _sys.WriteFile($"devices/pci0000:00/0000:00:05.0/usb1/1-1/{name}/bInterfaceClass", code + "\n");
        }

        var sysfs = new SysfsUsbDevices(_sys.SysRoot);

        Assert.Equal("314159-0000:00:05.0-1", sysfs.Attribute("1-1", "serial"));
        Assert.Equal("QEMU USB HARDDRIVE", sysfs.Attribute("1-1", "product"));
        Assert.Null(sysfs.Attribute("1-1", "manufacturer"));
        Assert.Equal(new HashSet<byte> { 0x08, 0xff }, sysfs.InterfaceClasses("1-1"));
        Assert.Equal(device, sysfs.DevicePath("1-1"));
    }

    [Fact]
    public void A_device_unknown_to_sysfs_has_no_attributes_and_a_stand_in_path()
    {
        var sysfs = new SysfsUsbDevices(_sys.SysRoot);
        Assert.Null(sysfs.Attribute("3-9", "serial"));
        Assert.Empty(sysfs.InterfaceClasses("3-9"));
        Assert.Equal("/sys/bus/usb/devices/3-9", sysfs.DevicePath("3-9"));
    }
}
