namespace UsbMesh.Vhci.Tests;

/// <summary>The status files in the three formats the kernel has printed (drivers/usb/usbip/vhci_sysfs.c).</summary>
public sealed class VhciStatusSpec
{
    // Since 4.13 (sockfd instead of the socket's address since 4.15): one hs and one ss hub per controller. Port 0
    // holds a high-speed stick from bus 100, device 1; port 9 a super-speed disk.
    private const string WithHubs = """
        hub port sta spd dev      sockfd local_busid
        hs  0000 006 003 00640001 000005 3-1
        hs  0001 004 000 00000000 000000 0-0
        hs  0002 004 000 00000000 000000 0-0
        hs  0003 004 000 00000000 000000 0-0
        hs  0004 004 000 00000000 000000 0-0
        hs  0005 004 000 00000000 000000 0-0
        hs  0006 004 000 00000000 000000 0-0
        hs  0007 004 000 00000000 000000 0-0
        ss  0008 004 000 00000000 000000 0-0
        ss  0009 006 005 00010004 000007 4-2
        ss  0010 004 000 00000000 000000 0-0
        ss  0011 004 000 00000000 000000 0-0
        ss  0012 004 000 00000000 000000 0-0
        ss  0013 004 000 00000000 000000 0-0
        ss  0014 004 000 00000000 000000 0-0
        ss  0015 004 000 00000000 000000 0-0

        """;

    // 4.9 to 4.12: several controllers, no hub column, the socket's address.
    private const string WithoutHub = """
        port sta spd dev      socket           local_busid
        0000 006 003 00010002 ffff8800b5a1c000 3-1
        0001 004 000 00000000 0000000000000000 0-0
        0002 005 002 00010003         c5a7bb80 0-0

        """;

    // Before 4.9: the header names bus and dev apart; an attached port prints the devid as one field.
    private const string Oldest = """
        prt sta spd bus dev socket local_busid
        000 006 003 00010002 ffff88003c4a1000 3-1
        001 004 000 000 000 0000000000000000 0-0
        002 004 000 000 000 0000000000000000 0-0

        """;

    [Fact]
    public void The_format_with_hubs_gives_hub_port_state_speed_devid_and_bus_id()
    {
        var ports = VhciStatus.Parse(WithHubs);

        Assert.Equal(16, ports.Count);
        Assert.Equal(new VhciPortStatus(VhciHub.High, 0, VhciStatus.PortUsed, 3, 0x00640001, "3-1"), ports[0]);
        Assert.Equal(new VhciPortStatus(VhciHub.High, 1, VhciStatus.PortFree, 0, 0, "0-0"), ports[1]);
        Assert.Equal(new VhciPortStatus(VhciHub.Super, 9, VhciStatus.PortUsed, 5, 0x00010004, "4-2"), ports[9]);
        Assert.Equal(8, ports.Count(p => p.Hub == VhciHub.Super));
        Assert.Equal(14, ports.Count(p => p.IsFree));
    }

    [Fact]
    public void The_format_without_a_hub_column_has_high_speed_ports_only()
    {
        var ports = VhciStatus.Parse(WithoutHub);

        Assert.Equal(
            [
                new VhciPortStatus(VhciHub.High, 0, VhciStatus.PortUsed, 3, 0x00010002, "3-1"),
                new VhciPortStatus(VhciHub.High, 1, VhciStatus.PortFree, 0, 0, "0-0"),
                new VhciPortStatus(VhciHub.High, 2, VhciStatus.PortNotAssigned, 2, 0x00010003, "0-0"),
            ],
            ports);
    }

    [Fact]
    public void The_oldest_format_reads_a_free_port_with_bus_and_dev_apart()
    {
        var ports = VhciStatus.Parse(Oldest);

        Assert.Equal(new VhciPortStatus(VhciHub.High, 0, VhciStatus.PortUsed, 3, 0x00010002, "3-1"), ports[0]);
        Assert.Equal(new VhciPortStatus(VhciHub.High, 1, VhciStatus.PortFree, 0, 0, "0-0"), ports[1]);
        Assert.Equal(2, ports.Count(p => p.IsFree));
    }

    [Fact]
    public void A_controller_not_ready_yet_shows_its_ports_as_not_free()
    {
        // status_show_not_ready prints the socket column 16 digits wide and state VDEV_ST_NOTASSIGNED.
        var ports = VhciStatus.Parse("""
            hub port sta spd dev      sockfd local_busid
            hs  0016 005 000 00000000 0000000000000000 0-0
            ss  0024 005 000 00000000 0000000000000000 0-0
            """);

        Assert.Equal([16, 24], ports.Select(p => p.Port));
        Assert.All(ports, p => Assert.False(p.IsFree));
        Assert.Null(VhciStatus.ChooseFreePort(ports, UsbSpeed.High));
    }

    [Theory]
    [InlineData(UsbSpeed.Low, 1)]
    [InlineData(UsbSpeed.Full, 1)]
    [InlineData(UsbSpeed.High, 1)]
    [InlineData(UsbSpeed.Super, 8)]
    [InlineData(UsbSpeed.SuperPlus, 8)]
    public void A_device_gets_the_lowest_free_port_of_the_hub_for_its_speed(UsbSpeed speed, int expected)
    {
        Assert.Equal(expected, VhciStatus.ChooseFreePort(VhciStatus.Parse(WithHubs), speed));
    }

    [Fact]
    public void Reserved_ports_are_left_out()
    {
        var ports = VhciStatus.Parse(WithHubs);

        Assert.Equal(3, VhciStatus.ChooseFreePort(ports, UsbSpeed.High, new HashSet<int> { 1, 2 }));
        Assert.Equal(10, VhciStatus.ChooseFreePort(ports, UsbSpeed.Super, new HashSet<int> { 8 }));
    }

    [Fact]
    public void No_free_port_of_the_right_hub_gives_none()
    {
        var ports = VhciStatus.Parse(WithHubs);
        var allHighReserved = Enumerable.Range(0, 8).ToHashSet();

        Assert.Null(VhciStatus.ChooseFreePort(ports, UsbSpeed.High, allHighReserved));
        Assert.Equal(8, VhciStatus.ChooseFreePort(ports, UsbSpeed.Super, allHighReserved));
        Assert.Null(VhciStatus.ChooseFreePort(VhciStatus.Parse(Oldest), UsbSpeed.Super));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world\n")]
    [InlineData("hub port sta spd dev sockfd local_busid\nhs 0000 004\n")]
    [InlineData("hub port sta spd dev sockfd local_busid\nxs  0000 004 000 00000000 000000 0-0\n")]
    [InlineData("port sta spd dev socket local_busid\n0000 abc 000 00000000 0000000000000000 0-0\n")]
    public void Text_in_no_known_format_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => VhciStatus.Parse(text));
    }
}
