namespace UsbMesh.UsbHost.Tests;

public sealed class NodeOwnDevicesSpec : IDisposable
{
    private const string Controller = "pci0000:00/0000:00:14.0/usb1";
    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    [Fact]
    public void The_disk_behind_a_mounted_filesystem_is_protected()
    {
        // A USB stick behind a hub (1-1 → 1-1.4), partition sda2 mounted as the root filesystem.
        var partition = _sys.Device($"{Controller}/1-1/1-1.4/1-1.4:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda2");
        _sys.Link("class/block/sda2", partition);
        _sys.Mounts($"/dev/sda2 / ext4 rw,relatime 0 0", "proc /proc proc rw 0 0", "/dev/vda1 /data ext4 rw 0 0");

        var found = Find();

        Assert.Equal("holds the filesystem mounted at /", Assert.Single(found).Value);
        Assert.Equal("1-1.4", found.Keys.Single());
    }

    [Fact]
    public void Members_of_a_device_mapper_volume_are_followed()
    {
        var member = _sys.Device($"{Controller}/1-2/1-2:1.0/host1/target1:0:0/1:0:0:0/block/sdb/sdb1");
        _sys.Link("class/block/sdb1", member);
        var mapper = _sys.Device("virtual/block/dm-0");
        _sys.Link("class/block/dm-0", mapper);
        _sys.Link("devices/virtual/block/dm-0/slaves/sdb1", member);
        _sys.Mounts("/dev/dm-0 /var/lib/usbmesh ext4 rw 0 0");

        Assert.Equal("holds the filesystem mounted at /var/lib/usbmesh", Find()["1-2"]);
    }

    [Fact]
    public void The_adapter_of_the_default_route_is_protected_and_other_interfaces_are_not()
    {
        var usbNic = _sys.Device($"{Controller}/1-3/1-3:1.0/net/eth1");
        _sys.Link("class/net/eth1", usbNic);
        _sys.Link($"devices/{Controller}/1-3/1-3:1.0/net/eth1/device", Path.Combine(_sys.SysRoot, "devices", Controller, "1-3", "1-3:1.0"));
        var otherNic = _sys.Device($"{Controller}/1-5/1-5:1.0/net/eth2");
        _sys.Link("class/net/eth2", otherNic);
        _sys.Link($"devices/{Controller}/1-5/1-5:1.0/net/eth2/device", Path.Combine(_sys.SysRoot, "devices", Controller, "1-5", "1-5:1.0"));
        _sys.Routes("eth1\t00000000\t0102A8C0\t0003", "eth2\t0002A8C0\t00000000\t0001");

        var found = Find();

        Assert.Equal("carries the network interface eth1 with the default route", Assert.Single(found).Value);
        Assert.Equal("1-3", found.Keys.Single());
    }

    [Fact]
    public void A_machine_without_usb_disks_protects_nothing()
    {
        var disk = _sys.Device("pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
        _sys.Link("class/block/vda1", disk);
        _sys.Mounts("/dev/vda1 / ext4 rw 0 0", "/dev/missing /mnt ext4 rw 0 0");

        Assert.Empty(Find());
    }

    [Fact]
    public void The_live_system_can_be_read_without_error() => _ = new NodeOwnDevices().Find();

    private IReadOnlyDictionary<string, string> Find() => new NodeOwnDevices(_sys.ProcRoot, _sys.SysRoot).Find();
}
